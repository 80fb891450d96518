/**
 * A forced tool call (OpenAI's `tool_choice: "required"` or a named function), as bytes: the model's call marker (the
 * `local-*` models' `<|call|>`; nothing for open-weight models, whose parser takes a bare JSON call) and then
 * `{"name": …, "arguments": {…}}` with the name one of the functions and the arguments a JSON object (of the
 * function's `parameters` schema when one function is named); then, when parallel calls are allowed and the model
 * has a marker, another call may follow.
 */
import { JsonPrefix } from "./json-prefix.ts";
import { ANY_OBJECT, ANY_VALUE, compileSchema, type SchemaNode } from "./schema-node.ts";
import type { ByteMachine } from "./token-constraint.ts";

export interface ForcedToolCall {
  /** Functions the call may name. */
  names: string[];
  /** The `parameters` schema of the one function named (absent: any JSON object). */
  parameters?: unknown;
  /** More than one call may be made. */
  parallel: boolean;
}

const utf8 = new TextEncoder();

export function callSchema(forced: ForcedToolCall): SchemaNode {
  let args = ANY_OBJECT;
  if (forced.names.length === 1 && forced.parameters !== undefined) {
    const root = compileSchema(forced.parameters).root;
    // the arguments are an object whatever the schema says
    if (!root.literals && root.kinds.has("object")) args = { ...root, kinds: new Set(["object"]) };
  }
  const name: SchemaNode = { ...ANY_VALUE, literals: forced.names.map((n) => utf8.encode(JSON.stringify(n))) };
  return {
    kinds: new Set(["object"]),
    properties: new Map([
      ["name", name],
      ["arguments", args],
    ]),
    required: new Set(["name", "arguments"]),
    additional: false,
    items: ANY_VALUE,
  };
}

export class ToolCallMachine implements ByteMachine {
  private constructor(
    private readonly marker: Uint8Array,
    private readonly root: SchemaNode,
    private readonly parallel: boolean,
    /** Bytes of the marker written so far. */
    private at: number,
    /** The call being written, once its marker is. */
    private call: JsonPrefix | undefined,
    private calls: number,
  ) {}

  static of(forced: ForcedToolCall, marker: Uint8Array): ToolCallMachine {
    const root = callSchema(forced);
    return new ToolCallMachine(
      marker,
      root,
      forced.parallel && marker.length > 0,
      0,
      marker.length === 0 ? JsonPrefix.of(root) : undefined,
      0,
    );
  }

  clone(): ToolCallMachine {
    return new ToolCallMachine(this.marker, this.root, this.parallel, this.at, this.call?.clone(), this.calls);
  }

  get complete(): boolean {
    return this.calls > 0 && this.call === undefined && this.at === 0;
  }

  pushAll(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) if (!this.push(bytes[i] as number)) return false;
    return true;
  }

  push(b: number): boolean {
    if (this.call) {
      if (!this.call.push(b)) return false;
      if (this.call.complete) {
        this.calls++;
        this.call = undefined;
      }
      return true;
    }
    if (this.calls > 0 && !this.parallel) return false;
    if (this.marker[this.at] !== b) return false;
    this.at++;
    if (this.at === this.marker.length) {
      this.at = 0;
      this.call = JsonPrefix.of(this.root);
    }
    return true;
  }
}
