"""The statement IR of one function (no tree-sitter outside csyntax): `model` (what
analysis/cfg.py and the lock analysis read), `expressions` and `statements` (the lowering
from tree-sitter nodes, `lower_function`)."""

from reviewtool.csyntax.ir.expressions import normalise
from reviewtool.csyntax.ir.model import MAX_DEPTH, Expr, Lowered, Stmt
from reviewtool.csyntax.ir.statements import Lowerer, lower_function

__all__ = ["MAX_DEPTH", "Expr", "Lowered", "Lowerer", "Stmt", "lower_function", "normalise"]
