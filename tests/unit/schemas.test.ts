/** The request schemas' own words: a bad request hears what is wrong, in English. */
import { describe, expect, it } from "vitest";
import { CreateKeyBody } from "../../shared/protocol/admin.ts";
import { JsonRpcRequest } from "../../shared/protocol/jsonrpc.ts";
import { ChatCompletionRequest } from "../../shared/protocol/openai.ts";

const messagesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => `${i.path.map(String).join(".")}: ${i.message}`);

describe("validation messages", () => {
  it("name the expected type and what came instead", () => {
    expect(messagesOf(JsonRpcRequest.safeParse({ jsonrpc: "2.0", id: 1, method: 7 }))).toEqual(["method: Invalid input: expected string, received number"]);
  });

  it("state the limit a value broke, or the rule a field has", () => {
    expect(messagesOf(CreateKeyBody.safeParse({ rpm: 0 }))).toEqual(["rpm: Too small: expected number to be >0"]);
    expect(messagesOf(ChatCompletionRequest.safeParse({ model: "a2a/x", messages: [] }))).toEqual(["messages: at least one message is required"]);
  });

  it("name unknown keys of a strict body", () => {
    expect(messagesOf(CreateKeyBody.safeParse({ nmae: "typo" }))).toEqual([': Unrecognized key: "nmae"']);
  });
});
