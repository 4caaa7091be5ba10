"""The restricted compile: RestrictedPython's checks plus ours, and the rewrites the guards need.

Refused with a sentence when a designer publishes: imports, `while` loops,
`class` statements and a loop that appends to the list it walks. Rewritten so
that guards.py and budget.py see the work: `*`, `**`, `<<`, `+`, `%` become
`_binop_(op, a, b)`, f-string fields become `_format_(value, spec, conversion)`,
comparison operands pass through `_sized_`,
and every function or lambda call spends a step (`_tick_`), which bounds
recursion as loops are bounded.
"""

from __future__ import annotations

import ast

from RestrictedPython.transformer import RestrictingNodeTransformer

_GUARDED_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_GROWING_METHODS = {"append", "extend", "insert"}


def _located(new: ast.AST, where: ast.AST) -> ast.AST:
    for child in ast.walk(new):
        if "lineno" in child._attributes and not hasattr(child, "lineno"):
            ast.copy_location(child, where)
    return new


def _call(name: str, args: list, where: ast.AST) -> ast.Call:
    return _located(ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[]), where)


def _grown_in(iterable: ast.expr, nodes: list[ast.AST]) -> str | None:
    """Return the list's text when `nodes` append to the very list a loop walks, else None."""
    if not isinstance(iterable, (ast.Name, ast.Attribute, ast.Subscript)):
        return None
    walked = ast.unparse(iterable)
    for root in nodes:
        for node in ast.walk(root):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _GROWING_METHODS
                    and ast.unparse(node.func.value) == walked):
                return walked
    return None


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy with the product's refusals and the guard rewrites."""

    def _refuse(self, node: ast.AST, sentence: str) -> ast.AST:
        self.error(node, sentence)
        return node

    def visit_Import(self, node):
        return self._refuse(node, "imports are not allowed")

    def visit_ImportFrom(self, node):
        return self._refuse(node, "imports are not allowed")

    def visit_While(self, node):
        return self._refuse(node, "while loops are not allowed: iterate over a list or range()")

    def visit_ClassDef(self, node):
        return self._refuse(node, "class statements are not allowed: keep data in dicts and "
                                  "lists")

    def _check_growth(self, node: ast.AST, iterable: ast.expr, body: list[ast.AST]) -> None:
        walked = _grown_in(iterable, body)
        if walked:
            self.error(node, f"the loop over {walked} adds to {walked} itself and never ends: "
                             f"loop over a copy, list({walked})")

    def visit_For(self, node):
        self._check_growth(node, node.iter, node.body)
        return super().visit_For(node)

    def _visit_comprehension(self, node, parts: list[ast.AST]):
        for generator in node.generators:
            self._check_growth(node, generator.iter, [*parts, *generator.ifs])
        return self.node_contents_visit(node)

    def visit_ListComp(self, node):
        return self._visit_comprehension(node, [node.elt])

    def visit_SetComp(self, node):
        return self._visit_comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node):
        return self._visit_comprehension(node, [node.elt])

    def visit_DictComp(self, node):
        return self._visit_comprehension(node, [node.key, node.value])

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        return _call("_binop_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_Compare(self, node):
        node = self.node_contents_visit(node)
        # Wrapping each operand keeps a chained comparison lazy, as Python evaluates it.
        node.left = _call("_sized_", [node.left], node.left)
        node.comparators = [_call("_sized_", [c], c) for c in node.comparators]
        return node

    def visit_FormattedValue(self, node):
        node = self.node_contents_visit(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        node.value = _call("_format_", [node.value, spec, ast.Constant(node.conversion)], node)
        node.format_spec, node.conversion = None, -1
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _call("_tick_", [node.body], node.body)
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _located(ast.Expr(_call("_tick_", [ast.Constant(None)], node)),
                                     node))
        return node
