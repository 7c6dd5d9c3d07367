/**
 * Where a MicroPython traceback points in the code that was run: the last `File "<stdin>", line N`
 * frame (code sent through the raw REPL is compiled as <stdin>), so the page can mark that line in
 * its editor. Frames in other files (a module the script imported) do not name a line of the buffer.
 */
export interface TracebackInfo {
  /** 1-based line in the code that was sent; undefined when no frame is in it. */
  line: number | undefined;
  /** The exception line, e.g. "NameError: name 'x' isn't defined". */
  summary: string;
}

const FRAME_RE = /^\s*File "([^"]*)", line (\d+)/;

export function parseTraceback(text: string, fileName = '<stdin>'): TracebackInfo {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  let line: number | undefined;
  for (const l of lines) {
    const m = FRAME_RE.exec(l);
    if (m && m[1] === fileName) line = Number(m[2]);
  }
  const summary = lines.filter((l) => !FRAME_RE.test(l) && !/^Traceback \(most recent call last\):/.test(l)).pop() ?? '';
  return { line, summary: summary.trim() };
}
