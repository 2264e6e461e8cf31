/**
 * Line sources at the input edge: whole files or stdin (replay), and files followed like
 * `tail -F` (run). Both feed raw chunks to a LineSplitter; everything after that is synchronous.
 */
import { createReadStream, statSync } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** Where raw chunks go: a LineSplitter, or one wrapped with instrumentation. */
export interface ChunkSink {
  push(chunk: Buffer): void;
  /**
   * A followed file was rotated or truncated: flush a last line without a newline, so it is not
   * joined to the next file's first line. Unlike `end()`, more of the same input follows (a CRI
   * `P` fragment at the end of the old file continues in the new one). Without it, `end()`.
   */
  rotated?(): void;
  /** The input ended (stopped, stdin closed, a file read without following): flush everything. */
  end(): void;
}

/** `-` means standard input. */
export function openInput(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Pumps a stream through the splitter until it ends. */
export async function drain(stream: Readable, splitter: ChunkSink): Promise<void> {
  for await (const chunk of stream) splitter.push(chunk as Buffer);
  splitter.end();
}

export interface FollowOptions {
  /** How often to look for new bytes, rotation or truncation. */
  pollIntervalMs: number;
  /**
   * Start a file that exists when following begins at its end, like `tail -F`, so a restart
   * does not re-read (and re-alert on) what was already processed. A file created later, or
   * rotated in, is always read from its start.
   */
  fromEnd: boolean;
  signal: AbortSignal;
}

/** The file being read: its identity, to notice rotation, and how far it was read. */
interface OpenFile {
  handle: FileHandle;
  dev: number;
  ino: number;
  position: number;
}

/** A file's identity and size when following began, for `fromEnd`. */
interface StartPoint {
  dev: number;
  ino: number;
  size: number;
}

/**
 * Follows a file across appends, truncation and rotation (new inode at the same path) until
 * `signal` aborts. Polling rather than fs.watch: it behaves the same on every filesystem,
 * including network mounts and container overlay filesystems where inotify misses events.
 *
 * Rotation: the old file stays open until a new one appears at the path and is read to its end
 * before switching, so lines written before the rename are not lost, even when the new file
 * only appears polls later. Lines a writer still adds to the old file after the switch (nginx
 * between logrotate creating the new file and its USR1 reopen) are lost.
 * Truncation in place (copytruncate) restarts at the new start; one that is refilled past the
 * old offset between two polls is not noticed (`tail -F` has the same blind spot).
 */
export async function followFile(path: string, splitter: ChunkSink, options: FollowOptions): Promise<void> {
  // Taken synchronously, before the first await: "the end" is the file's size when followFile
  // was called, so lines appended after that are never skipped, however late the first read is.
  let start = options.fromEnd ? startPoint(path) : undefined;
  const buffer = Buffer.allocUnsafe(1 << 20);
  let current: OpenFile | undefined;
  const rotated = () => (splitter.rotated ? splitter.rotated() : splitter.end());

  /** Reads from the current position to the end of the file. */
  async function readNew(file: OpenFile): Promise<void> {
    const { size } = await file.handle.stat();
    if (size < file.position) {
      rotated(); // a half line from before the truncation must not prefix the next one
      file.position = 0;
    }
    let read = 0;
    do {
      ({ bytesRead: read } = await file.handle.read(buffer, 0, buffer.length, file.position));
      file.position += read;
      if (read > 0) splitter.push(buffer.subarray(0, read));
    } while (read > 0 && !options.signal.aborted);
  }

  try {
    while (!options.signal.aborted) {
      if (current) {
        // Looked at before draining: everything written before the rename is then in the old file.
        const isReplaced = await replaced(path, current);
        await readNew(current);
        if (isReplaced) {
          rotated();
          await current.handle.close();
          current = undefined;
        }
      }
      if (!current) {
        current = await openAt(path, start);
        if (current) {
          // Only once opened: a file there at the start but not yet readable (EACCES) must still
          // start at its end when it becomes readable, not be re-read (and re-alerted) from 0.
          start = undefined;
          await readNew(current);
        }
      }
      // Rejects with AbortError when stopped: that just ends the loop.
      await sleep(options.pollIntervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await current?.handle.close();
    splitter.end();
  }
}

function startPoint(path: string): StartPoint | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // unreadable now: treated like a file that appears later
  }
}

/** Opens the file at `path`, positioned at `start`'s size if it is still that file, else at 0. */
async function openAt(path: string, start: StartPoint | undefined): Promise<OpenFile | undefined> {
  const handle = await open(path, "r").catch(() => undefined);
  if (!handle) return undefined;
  // The opened file's own identity, not the path's: the path may have been rotated meanwhile.
  const { dev, ino } = await handle.stat();
  const position = start && start.dev === dev && start.ino === ino ? start.size : 0;
  return { handle, dev, ino, position };
}

/** True when `path` now names another file than `file`; a missing path is not (yet) a rotation. */
async function replaced(path: string, file: OpenFile): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && (info.dev !== file.dev || info.ino !== file.ino);
}
