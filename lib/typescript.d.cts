// The types of lib/typescript.cjs: ts-morph's `ts` (the same object), with its namespace of types.
import { ts } from 'ts-morph';
export = ts;
