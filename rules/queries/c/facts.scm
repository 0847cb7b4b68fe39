; The shapes the C front end collects into FileFacts, one capture name each.
; csyntax reads the capture names below; add alternatives to a pattern to widen what counts.

(comment) @comment
(function_definition) @function
(declaration) @declaration
(preproc_def) @macro
(preproc_function_def) @function_macro
(call_expression function: (identifier)) @call
(struct_specifier name: (type_identifier) body: (field_declaration_list)) @record
(union_specifier name: (type_identifier) body: (field_declaration_list)) @record
(enum_specifier name: (type_identifier) body: (enumerator_list)) @record
(type_definition) @typedef
(enumerator name: (identifier)) @enumerator
(string_literal) @string
(char_literal) @string
