/**
 * A process's peak resident memory (VmHWM in /proc/<pid>/status), read after every invoke for REPORT's Max Memory
 * Used. The file stays open and is re-read from offset 0 with one synchronous pread: /proc regenerates it on each
 * read, and this costs a few microseconds, where an async readFile (open, fstat, read, close on the thread pool)
 * cost about 0.2 ms of the event loop per invoke.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const HIGH_WATER_MARK = /VmHWM:\s+(\d+) kB/;

export class PeakMemory {
  readonly #pid: number | undefined;
  #fd: number | undefined;
  #closed = false;
  #peakMB = 0;
  // VmHWM is in the first kilobyte or so of the file.
  readonly #buffer = Buffer.allocUnsafe(4096);

  constructor(pid: number | undefined) {
    this.#pid = process.platform === 'linux' ? pid : undefined;
  }

  /** The peak so far, in MB; the last reading once the process is gone (or where /proc is missing). */
  read(): number {
    const fd = this.#open();
    if (fd === undefined) return this.#peakMB;
    try {
      const length = readSync(fd, this.#buffer, 0, this.#buffer.length, 0);
      const match = HIGH_WATER_MARK.exec(this.#buffer.toString('latin1', 0, length));
      if (match) this.#peakMB = Math.max(this.#peakMB, Math.round(Number(match[1]) / 1024));
    } catch {
      // The process has exited: keep the last reading.
    }
    return this.#peakMB;
  }

  close(): void {
    this.#closed = true;
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number | undefined {
    if (this.#fd !== undefined || this.#closed || this.#pid === undefined) return this.#fd;
    try {
      this.#fd = openSync(`/proc/${this.#pid}/status`, 'r');
    } catch {
      // Gone already, or no /proc: no readings.
      this.#closed = true;
    }
    return this.#fd;
  }
}
