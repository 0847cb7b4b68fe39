"""Minimum-cost assignment of a square cost matrix (the Hungarian method with potentials,
O(n³)): what git range-diff's compute_assignment() solves to pair patches."""

from __future__ import annotations

from collections.abc import Sequence


def min_cost_assignment(cost: Sequence[Sequence[int]]) -> list[int]:
    """For an n×n matrix, the column assigned to each row such that the sum is minimal."""
    n = len(cost)
    if n == 0:
        return []
    infinity = float("inf")
    # 1-based rows and columns; column 0 is the virtual start of each augmenting path
    row_potential = [0.0] * (n + 1)
    column_potential = [0.0] * (n + 1)
    row_of_column = [0] * (n + 1)
    way = [0] * (n + 1)
    for row in range(1, n + 1):
        row_of_column[0] = row
        column = 0
        slack = [infinity] * (n + 1)
        used = [False] * (n + 1)
        while True:
            used[column] = True
            current = row_of_column[column]
            delta = infinity
            nearest = 0
            for other in range(1, n + 1):
                if used[other]:
                    continue
                reduced = (
                    cost[current - 1][other - 1] - row_potential[current] - column_potential[other]
                )
                if reduced < slack[other]:
                    slack[other] = reduced
                    way[other] = column
                if slack[other] < delta:
                    delta = slack[other]
                    nearest = other
            for other in range(n + 1):
                if used[other]:
                    row_potential[row_of_column[other]] += delta
                    column_potential[other] -= delta
                else:
                    slack[other] -= delta
            column = nearest
            if row_of_column[column] == 0:
                break
        while column:  # flip the augmenting path
            previous = way[column]
            row_of_column[column] = row_of_column[previous]
            column = previous
    assigned = [0] * n
    for column in range(1, n + 1):
        assigned[row_of_column[column] - 1] = column - 1
    return assigned
