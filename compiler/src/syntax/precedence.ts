/**
 * Operator precedence of LANGUAGE.md §8, low to high. One table for the parser's lowering
 * (which builds trees with it) and the printer (which parenthesizes with it), so the two
 * cannot disagree.
 */
import type { BinaryOp } from "./ast.js";

export const PREC_OR = 1;
export const PREC_AND = 2;
export const PREC_NOT = 3;
/** Comparisons, `in` and `has`. */
export const PREC_CMP = 4;
export const PREC_COALESCE = 5;
export const PREC_ADD = 6;
export const PREC_MUL = 7;
/** Unary `-`. */
export const PREC_NEG = 8;
/** Member access and calls. */
export const PREC_POSTFIX = 9;

export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: PREC_OR,
  and: PREC_AND,
  "==": PREC_CMP,
  "!=": PREC_CMP,
  "<": PREC_CMP,
  "<=": PREC_CMP,
  ">": PREC_CMP,
  ">=": PREC_CMP,
  in: PREC_CMP,
  "??": PREC_COALESCE,
  "+": PREC_ADD,
  "-": PREC_ADD,
  "*": PREC_MUL,
};
