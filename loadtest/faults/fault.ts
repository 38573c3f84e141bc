// What one injected fault is (issue 11): a system to run it on, the fault's switch, the checks of
// what needs the faulty part, and the check that it works again. `runFault` (run-fault.ts) runs
// every fault the same way around the steady A↔B chat; the CI tests (test/faults/) and the
// full-size scenario (`node dist/loadtest/faults/cli.js`) differ only in `size`.
import type { ChatAccount } from './steady-chat.js';

export type FaultSize = 'ci' | 'full';

/** One attempt at something that needs the faulty part, while the fault is on. */
export interface ProbeResult {
  /** What was tried: "login", "roster get", "MUC join"… */
  what: string;
  /** What came back: an XMPP error condition ("remote-server-timeout"), "ok", or "no answer". */
  outcome: string;
  /** Time until that outcome. */
  ms: number;
  /** Whether this outcome is the right one (a clear error within the deadline, or success). */
  ok: boolean;
}

export interface FaultSystem {
  domain: string;
  /** The two users of the steady chat: their traffic must not need the faulty part. */
  a: ChatAccount;
  b: ChatAccount;
  /** Turns the fault on. */
  inject(): Promise<void>;
  /** Tries what needs the faulty part (called once the fault is on); each attempt must end by its deadline. */
  probe(): Promise<ProbeResult[]>;
  /** Turns the fault off. */
  clear(): Promise<void>;
  /** True once what needed the faulty part works again (polled after `clear`). */
  recovered(): Promise<boolean>;
  /** Memory of the server side now, in bytes (RSS of its processes, or heap in-process). */
  memoryBytes(): number;
  /** The bound that memory must stay under during the fault, in bytes. */
  memoryBoundBytes: number;
  /** Bulkhead figures scraped from /metrics after the fault, for the report (name → value). */
  bulkheadMetrics(): Promise<Record<string, number>>;
  teardown(): Promise<void>;
}

export interface Fault {
  /** Short name used on the command line: "storage-slow", "redis-down", "component-stuck"… */
  name: string;
  /** One line for the report. */
  description: string;
  /** Builds the system the fault runs on: a server or a local fleet, its accounts, its extra load. */
  setup(size: FaultSize): Promise<FaultSystem>;
}
