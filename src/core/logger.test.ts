import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, oneLine } from "./logger.js";

describe("oneLine", () => {
  it("joins lines with one space and drops control characters", () => {
    expect(oneLine('Unexpected token, ..."ges":\n    \u001b[31m\n  [\n"... is not valid JSON')).toBe(
      'Unexpected token, ..."ges": [31m [ "... is not valid JSON',
    );
    expect(oneLine("a\r\n\tb\u0007c\td")).toBe("a bc d");
    expect(oneLine("plain")).toBe("plain");
  });
});

describe("createLogger", () => {
  it("prints each warning on one line, keeping the message as given for reports", () => {
    const stream = new PassThrough();
    let out = "";
    stream.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    const log = createLogger({ stream });
    log.warn("first line\n  second line");
    expect(out).toBe("    ! first line second line\n");
    expect(log.warnings).toEqual(["first line\n  second line"]);
  });
});
