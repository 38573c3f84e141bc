// Messages between the coordinator and a worker (in-process or a child process over IPC): one
// request, one reply, both plain JSON. Histograms travel sparse.
import type { SerializedHistogram } from '../stats/latency-histogram.js';
import type { Target } from '../target.js';

export type ScenarioName = 'login' | 'chat' | 'roster' | 'muc' | 'pubsub' | 'idle';

export interface ScenarioParams {
  scenario: ScenarioName;
  /** chat: users in pairs; login/idle: users; roster: population. */
  users: number;
  rooms: number;
  occupants: number;
  /** MUC senders per room, 0 = every occupant. */
  senders: number;
  subscribers: number;
  mucHost: string;
  pubsubHost: string;
  /** Shared by all workers: room name prefix / node name of this run. */
  runTag: string;
  /** Approximate size of a measured stanza in bytes (0 = xmppbench's unpadded stanzas). */
  stanzaBytes: number;
  tickMs: number;
  expectRosterItems: number;
  noEcho: boolean;
  /** Every client enables Message Carbons (XEP-0280) after binding. */
  carbons: boolean;
}

export interface WorkerPlan {
  workerId: number;
  target: Target;
  params: ScenarioParams;
}

export interface LoginReply { ok: number; errorCount: number; errors: string[]; latency: SerializedHistogram; wallS: number }
export interface PrepareReply { errorCount: number; errors: string[]; senders: number; created: number }
export interface SendReply { sent: number; behind: number; sendWallS: number }
export interface StepReply { received: number; latency: SerializedHistogram }
export interface RosterReply { latency: SerializedHistogram; minItems: number; maxItems: number; unexpected: number; wallS: number; errors: string[] }
export interface ProgressReply { connected: number; sent: number; received: number; window: SerializedHistogram; cpuS: number; disconnects: number }

export type WorkerRequest =
  | { op: 'init'; plan: WorkerPlan }
  | { op: 'login'; indices: number[]; concurrency: number; presence: boolean; arrivalPerS: number; deadlineMs: number }
  | { op: 'prepare'; phase: 'muc-create' | 'muc-join' | 'pubsub-create' | 'pubsub-subscribe' | 'measure' }
  | { op: 'beginStep'; step: number }
  | { op: 'send'; ratePerS: number; durationS: number }
  | { op: 'counts' }
  | { op: 'endStep' }
  | { op: 'roster'; mode: 'sequential' | 'concurrent'; concurrency: number }
  | { op: 'progress' }
  | { op: 'cleanup' }
  | { op: 'close' };

export interface WorkerReplies {
  init: Record<string, never>;
  login: LoginReply;
  prepare: PrepareReply;
  beginStep: Record<string, never>;
  send: SendReply;
  counts: { received: number };
  endStep: StepReply;
  roster: RosterReply;
  progress: ProgressReply;
  cleanup: { deleted: boolean };
  close: Record<string, never>;
}

export type ReplyTo<R extends WorkerRequest> = WorkerReplies[R['op']];

/** What the coordinator holds for each worker, local or forked. */
export interface WorkerHandle {
  request<R extends WorkerRequest>(req: R, timeoutMs: number): Promise<ReplyTo<R>>;
  stop(): Promise<void>;
}
