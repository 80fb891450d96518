/** One Server-Sent Events frame as a browser's EventSource would dispatch it. */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads an SSE response body frame by frame (the wire format of the HTML standard: `field: value` lines, a blank
 * line ends a frame), keeping every frame for assertions.
 */
export function readSse(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const frames: SseFrame[] = [];
  let buffer = "";
  const done = (async () => {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        return;
      }
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: SseFrame = { event: "message", data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon === 0) continue;
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") frame.event = value;
          else if (field === "data") data.push(value);
          else if (field === "id") frame.id = value;
        }
        frame.data = data.join("\n");
        frames.push(frame);
      }
    }
  })();
  return {
    frames,
    /** The frames of one event name, their data parsed. */
    events: <T = Record<string, unknown>>(name: string) => frames.filter((f) => f.event === name).map((f) => JSON.parse(f.data) as T),
    /** Waits until `predicate` holds over the frames so far (polling every 10 ms; fails after `timeoutMs`). */
    until: async (predicate: (frames: SseFrame[]) => boolean, timeoutMs = 30_000, what = "frames"): Promise<void> => {
      const started = Date.now();
      while (!predicate(frames)) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`no ${what} after ${timeoutMs} ms; got ${frames.map((f) => f.event).join(",")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: async () => {
      await reader.cancel().catch(() => {});
      await done;
    },
  };
}
