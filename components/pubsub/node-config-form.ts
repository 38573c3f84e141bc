// The node configuration form (XEP-0060 §8.2, fields of §16.4.4): defaults, rendering as a
// pubsub#node_config form, applying a submitted form, and the publish-options preconditions
// (XEP-0060 §7.1.5) which compare the same fields with a node's configuration.
import type { PubsubAccessModel, PubsubNodeConfig, PubsubPublishModel, PubsubSendLastPublishedItem } from '../../shared/storage/types.js';
import { buildForm, parseBoolean, type FormField, type SubmittedForm } from './data-forms.js';
import { FORM_NODE_CONFIG } from './namespaces.js';
import { PubsubError } from './pubsub-errors.js';
import type { XmlElement } from './xmpp-bindings.js';

export const ACCESS_MODELS: readonly PubsubAccessModel[] = ['open', 'presence', 'roster', 'whitelist', 'authorize'];
const PUBLISH_MODELS: readonly PubsubPublishModel[] = ['publishers', 'subscribers', 'open'];
const SEND_LAST: readonly PubsubSendLastPublishedItem[] = ['never', 'on_sub', 'on_sub_and_presence'];

export interface NodeLimits {
  /** The most items a node may keep ('max' in the form means this). */
  maxItems: number;
  /** The largest payload a node may accept, in bytes. */
  maxPayloadSize: number;
}

export const DEFAULT_NODE_LIMITS: NodeLimits = { maxItems: 1000, maxPayloadSize: 64 * 1024 };

export function defaultNodeConfig(limits: NodeLimits): PubsubNodeConfig {
  return {
    title: '',
    accessModel: 'open',
    publishModel: 'publishers',
    maxItems: Math.min(10, limits.maxItems),
    persistItems: true,
    deliverPayloads: true,
    deliverNotifications: true,
    notifyRetract: true,
    notifyDelete: true,
    notifyConfig: false,
    rosterGroupsAllowed: [],
    sendLastPublishedItem: 'on_sub',
    maxPayloadSize: limits.maxPayloadSize,
  };
}

const bool = (b: boolean) => (b ? '1' : '0');

/** Field var → how it reads from and writes to the configuration. */
const FIELDS: Record<string, { field: Omit<FormField, 'values'>; get(c: PubsubNodeConfig): string[]; set(c: PubsubNodeConfig, v: string[], l: NodeLimits): void }> = {
  'pubsub#title': { field: { var: 'pubsub#title', type: 'text-single', label: 'A friendly name for the node' }, get: (c) => [c.title], set: (c, v) => (c.title = v[0] ?? '') },
  'pubsub#access_model': {
    field: { var: 'pubsub#access_model', type: 'list-single', label: 'Who may subscribe and retrieve items', options: [...ACCESS_MODELS] },
    get: (c) => [c.accessModel],
    set: (c, v) => {
      if (!ACCESS_MODELS.includes(v[0] as PubsubAccessModel)) throw new PubsubError('modify', 'not-acceptable', 'unsupported-access-model');
      c.accessModel = v[0] as PubsubAccessModel;
    },
  },
  'pubsub#publish_model': {
    field: { var: 'pubsub#publish_model', type: 'list-single', label: 'Who may publish', options: [...PUBLISH_MODELS] },
    get: (c) => [c.publishModel],
    set: (c, v) => (c.publishModel = oneOf(PUBLISH_MODELS, v[0])),
  },
  'pubsub#max_items': {
    field: { var: 'pubsub#max_items', type: 'text-single', label: 'Max # of items to persist' },
    get: (c) => [String(c.maxItems)],
    set: (c, v, l) => (c.maxItems = v[0] === 'max' ? l.maxItems : boundedInt(v[0], 1, l.maxItems)),
  },
  'pubsub#persist_items': booleanField('pubsub#persist_items', 'Persist items to storage', 'persistItems'),
  'pubsub#deliver_payloads': booleanField('pubsub#deliver_payloads', 'Deliver payloads with event notifications', 'deliverPayloads'),
  'pubsub#deliver_notifications': booleanField('pubsub#deliver_notifications', 'Deliver event notifications', 'deliverNotifications'),
  'pubsub#notify_retract': booleanField('pubsub#notify_retract', 'Notify subscribers when items are removed', 'notifyRetract'),
  'pubsub#notify_delete': booleanField('pubsub#notify_delete', 'Notify subscribers when the node is deleted', 'notifyDelete'),
  'pubsub#notify_config': booleanField('pubsub#notify_config', 'Notify subscribers when the configuration changes', 'notifyConfig'),
  'pubsub#roster_groups_allowed': {
    field: { var: 'pubsub#roster_groups_allowed', type: 'text-multi', label: 'Roster groups allowed to subscribe' },
    get: (c) => c.rosterGroupsAllowed,
    set: (c, v) => (c.rosterGroupsAllowed = v.filter((g) => g !== '')),
  },
  'pubsub#send_last_published_item': {
    field: { var: 'pubsub#send_last_published_item', type: 'list-single', label: 'When to send the last published item', options: [...SEND_LAST] },
    get: (c) => [c.sendLastPublishedItem],
    set: (c, v) => (c.sendLastPublishedItem = oneOf(SEND_LAST, v[0])),
  },
  'pubsub#max_payload_size': {
    field: { var: 'pubsub#max_payload_size', type: 'text-single', label: 'Max payload size in bytes' },
    get: (c) => [String(c.maxPayloadSize)],
    set: (c, v, l) => (c.maxPayloadSize = boundedInt(v[0], 1, l.maxPayloadSize)),
  },
};

type BooleanKey = 'persistItems' | 'deliverPayloads' | 'deliverNotifications' | 'notifyRetract' | 'notifyDelete' | 'notifyConfig';

function booleanField(name: string, label: string, key: BooleanKey) {
  return {
    field: { var: name, type: 'boolean' as const, label },
    get: (c: PubsubNodeConfig) => [bool(c[key])],
    set: (c: PubsubNodeConfig, v: string[]) => {
      const b = parseBoolean(v[0]);
      if (b === undefined) throw new PubsubError('modify', 'not-acceptable');
      c[key] = b;
    },
  };
}

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined): T {
  if (!allowed.includes(value as T)) throw new PubsubError('modify', 'not-acceptable');
  return value as T;
}

function boundedInt(value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new PubsubError('modify', 'not-acceptable');
  return Math.min(n, max);
}

/** The node_config form (type 'form') describing `config` (XEP-0060 §8.2.1). */
export function configForm(config: PubsubNodeConfig): XmlElement {
  return buildForm('form', FORM_NODE_CONFIG, Object.values(FIELDS).map((f) => ({ ...f.field, values: f.get(config) })));
}

/**
 * `base` with the submitted form applied (XEP-0060 §8.2.4). Unknown fields and invalid values are
 * refused with not-acceptable (§8.2.5), unknown access models with unsupported-access-model.
 */
export function applyConfigForm(base: PubsubNodeConfig, form: SubmittedForm, limits: NodeLimits): PubsubNodeConfig {
  if (form.formType !== undefined && form.formType !== FORM_NODE_CONFIG) throw new PubsubError('modify', 'not-acceptable');
  const next: PubsubNodeConfig = { ...base, rosterGroupsAllowed: [...base.rosterGroupsAllowed] };
  for (const [name, values] of form.fields) {
    const spec = FIELDS[name];
    if (!spec) throw new PubsubError('modify', 'not-acceptable');
    spec.set(next, values, limits);
  }
  return next;
}

/**
 * XEP-0060 §7.1.5: every publish-option must equal the node's value for that field, else the
 * publish fails with conflict/precondition-not-met. Booleans compare by meaning ('true' = '1'),
 * max_items 'max' as the service's bound.
 */
export function checkPreconditions(config: PubsubNodeConfig, form: SubmittedForm, limits?: NodeLimits): void {
  for (const [name, wanted] of form.fields) {
    const spec = FIELDS[name];
    if (!spec) throw new PubsubError('cancel', 'conflict', 'precondition-not-met');
    const actual = spec.get(config);
    // 'max' (XEP-0060 §16.4.4, used by XEP-0402) is the service's bound on max_items.
    const normalise = (v: string) => (spec.field.type === 'boolean' ? String(parseBoolean(v)) : name === 'pubsub#max_items' && v === 'max' && limits ? String(limits.maxItems) : v);
    const same = actual.length === wanted.length && actual.every((v, i) => normalise(v) === normalise(wanted[i]!));
    if (!same) throw new PubsubError('cancel', 'conflict', 'precondition-not-met');
  }
}
