"""Safe arithmetic: the expression is parsed with ``ast`` and only numbers, + - * / // % **, unary
signs, parentheses and a short list of functions are evaluated. No names, attributes, subscripts
or other calls; exponents and integer sizes are bounded so that no expression can exhaust memory.

"." is the decimal point. A comma is read as a decimal comma ("1,5" → 1.5) only in an expression
that calls no function, where it cannot separate arguments.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from assistants.tools.base import ToolContext, ToolKind, ToolResult, register

MAX_EXPRESSION = 500
MAX_EXPONENT = 10_000
MAX_INT_BITS = 13_000  # about 3,900 decimal digits: under Python's 4,300-digit str() limit
MAX_DEPTH = 60

Number = int | float


class CalculationError(ValueError):
    pass


def _percent(value: Number, rate: Number) -> Number:
    """``rate`` percent of ``value``: percent(200, 15) = 30."""
    return value * rate / 100


def _percent_of(part: Number, whole: Number) -> Number:
    """What percent ``part`` is of ``whole``: percent_of(30, 200) = 15."""
    return part / whole * 100


def _percent_change(old: Number, new: Number) -> Number:
    return (new - old) / old * 100


def _round(value: Number, digits: Number = 0) -> Number:
    if not isinstance(digits, int) or not -20 <= digits <= 20:
        raise CalculationError("round: số chữ số phải là số nguyên từ -20 đến 20")
    return round(value, digits) if digits else round(value)


def _sqrt(value: Number) -> float:
    if value < 0:
        raise CalculationError("không lấy căn bậc hai của số âm")
    return math.sqrt(value)


FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, fewest arguments, most arguments)
    "sqrt": (_sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "min": (min, 1, 50),
    "max": (max, 1, 50),
    "percent": (_percent, 2, 2),
    "percent_of": (_percent_of, 2, 2),
    "percent_change": (_percent_change, 2, 2),
}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _check_size(value: Number) -> Number:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculationError("kết quả quá lớn")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculationError("kết quả không hữu hạn (quá lớn hoặc không xác định)")
    return value


def _power(base: Number, exponent: Number) -> Number:
    if abs(exponent) > MAX_EXPONENT:
        raise CalculationError(f"số mũ vượt quá {MAX_EXPONENT}")
    # bit_length × exponent bounds the result's size before it is computed.
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and max(base.bit_length(), 1) * exponent > MAX_INT_BITS * 2
    ):
        raise CalculationError("kết quả quá lớn")
    result = base**exponent
    if isinstance(result, complex):
        raise CalculationError("kết quả là số phức")
    return result


def _evaluate(node: ast.AST, depth: int = 0) -> Number:
    if depth > MAX_DEPTH:
        raise CalculationError("biểu thức lồng nhau quá sâu")
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, depth + 1)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise CalculationError("chỉ được dùng số")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        value = _evaluate(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, depth + 1), _evaluate(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            return _check_size(_power(left, right))
        return _check_size(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise CalculationError("dùng ** cho luỹ thừa (không dùng ^)")
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise CalculationError(f"không được dùng tên '{node.id}'")
    if isinstance(node, ast.Call):
        return _call(node, depth)
    raise CalculationError(f"không được dùng cú pháp {type(node).__name__}")


def _call(node: ast.Call, depth: int) -> Number:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
        raise CalculationError(f"chỉ được gọi các hàm: {', '.join(FUNCTIONS)}")
    function, fewest, most = FUNCTIONS[node.func.id]
    if not fewest <= len(node.args) <= most or any(isinstance(a, ast.Starred) for a in node.args):
        raise CalculationError(f"hàm {node.func.id} nhận từ {fewest} đến {most} đối số")
    arguments = [_evaluate(a, depth + 1) for a in node.args]
    return _check_size(function(*arguments))


def _normalize(expression: str) -> str:
    text = expression.strip().replace("×", "*").replace("÷", "/").replace("−", "-")
    if not re.search(r"[A-Za-z_]\s*\(", text):
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    return text


def evaluate(expression: str) -> Number:
    """The value of ``expression``; raises CalculationError with a reason in Vietnamese."""
    if not isinstance(expression, str) or not expression.strip():
        raise CalculationError("biểu thức trống")
    if len(expression) > MAX_EXPRESSION:
        raise CalculationError(f"biểu thức dài quá {MAX_EXPRESSION} ký tự")
    try:
        tree = ast.parse(_normalize(expression), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise CalculationError("biểu thức không đúng cú pháp") from None
    try:
        return _evaluate(tree)
    except ZeroDivisionError:
        raise CalculationError("chia cho 0") from None
    except OverflowError:
        raise CalculationError("kết quả quá lớn") from None
    except (TypeError, ValueError) as error:
        if isinstance(error, CalculationError):
            raise
        raise CalculationError("phép tính không hợp lệ") from None


def format_number(value: Number) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


@register
class Calculator(ToolKind):
    kind = "calculator"
    label = "Máy tính"
    description = (
        "Tính chính xác một biểu thức số học: + - * / // % ** và ngoặc; hàm sqrt, abs, round, min, max, "
        "percent(x, p) = p% của x, percent_of(a, b) = a là bao nhiêu % của b, percent_change(cũ, mới). "
        "Dấu chấm là dấu thập phân."
    )

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "calculate",
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "expression": {"type": "string", "description": "Ví dụ: (1200000 * 12) * 0.105"}
                    },
                    "required": ["expression"],
                },
            }
        ]

    def run(
        self,
        function_name: str,
        arguments: dict[str, Any],
        *,
        settings: dict[str, Any],
        secret: str,
        context: ToolContext,
    ) -> ToolResult:
        expression = arguments.get("expression")
        if not isinstance(expression, str):
            return ToolResult.failed("Thiếu tham số 'expression' (chuỗi).")
        try:
            value = evaluate(expression)
        except CalculationError as error:
            return ToolResult.failed(f"Không tính được: {error}.")
        shown = format_number(value)
        data = {"expression": expression[:MAX_EXPRESSION], "result": value if len(shown) < 300 else shown}
        data["formatted"] = shown
        return ToolResult.ok(data, f"{expression[:100]} = {shown[:100]}")
