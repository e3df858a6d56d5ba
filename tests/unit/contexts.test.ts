/** Each key's own context ids (shared/core/contexts.ts): sealed for the agent, shown back to the key alone. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contextSeal, openContext, revealInFrame, revealInResponse, revealInValue, sealContext } from "../../shared/core/contexts.ts";

const seal = contextSeal("sk-master-test");

describe("sealed context ids", () => {
  it("open for their key alone, to the id it named; the same key and id always seal alike", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 512 }), fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), (id, owner, other) => {
        const sealed = sealContext(seal, owner, id);
        expect(sealed).toBe(sealContext(seal, owner, id));
        expect(openContext(seal, owner, sealed)).toBe(id);
        if (other !== owner) {
          expect(openContext(seal, other, sealed)).toBeUndefined();
          expect(sealContext(seal, other, id)).not.toBe(sealed);
        }
        expect(openContext(contextSeal("another-master"), owner, sealed)).toBeUndefined();
      }),
    );
  });

  it("are shown to their key in JSON values and SSE frames, escaped as JSON where the id needs it", () => {
    const id = 'my "chat"\n1';
    const sealed = sealContext(seal, "k1", id);
    const frame = `data: ${JSON.stringify({ kind: "task", contextId: sealed, status: { message: { parts: [{ text: `in ${sealed}` }] } } })}\n\n`;
    const shown = revealInFrame(frame, seal, "k1");
    expect(JSON.parse(shown.slice(6))).toEqual({ kind: "task", contextId: id, status: { message: { parts: [{ text: `in ${id}` }] } } });
    expect(revealInFrame(frame, seal, "k2")).toBe(frame);
    const value = { a: [1, { contextId: sealed }], untouched: { deep: true } };
    const revealed = revealInValue(value, seal, "k1");
    expect(revealed).toEqual({ a: [1, { contextId: id }], untouched: { deep: true } });
    expect(revealed.untouched).toBe(value.untouched);
    expect(value.a[1]).toEqual({ contextId: sealed });
  });

  it("leave a response with nothing sealed as it is", async () => {
    const res = { status: 200, body: { contextId: "plain" } };
    expect(revealInResponse(res, seal, "k1")).toEqual(res);
    const frames = ["data: {}\n\n", `data: {"contextId":"${sealContext(seal, "k1", "c")}"}\n\n`];
    const streamed = revealInResponse({ status: 200, stream: (async function* () { yield* frames; })() }, seal, "k1") as { stream: AsyncIterable<string> };
    const out: string[] = [];
    for await (const f of streamed.stream) out.push(f);
    expect(out).toEqual(["data: {}\n\n", 'data: {"contextId":"c"}\n\n']);
  });
});
