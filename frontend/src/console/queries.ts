// The internal API's documents the console sends, and the shapes it reads back.
import type { FieldError } from "./graphql";

export const STATUS = `{ ingestionStatus {
  consumers { consumerGroup topic partition committedOffset highWatermark lag updatedAt }
  totalLag entriesLastMinute entriesLastHour entriesEstimate deadLettersPending backfillsUnfinished
  replicaLagSeconds replicaReachable } }`;

export interface ConsumerPartition {
  consumerGroup: string;
  topic: string;
  partition: number;
  committedOffset: number;
  highWatermark: number;
  lag: number;
  updatedAt: string;
}

export interface IngestionStatus {
  consumers: ConsumerPartition[];
  totalLag: number;
  entriesLastMinute: number;
  entriesLastHour: number;
  entriesEstimate: number;
  deadLettersPending: number;
  backfillsUnfinished: number;
  replicaLagSeconds: number | null;
  replicaReachable: boolean | null;
}

export const PER_MINUTE = `query($minutes: Int!) { entriesPerMinute(minutes: $minutes) { minute app entries } }`;

export interface EntriesPerMinute {
  minute: string;
  app: string;
  entries: number;
}

const LETTER = `id source raw rawEncoding error field topic partition offset receivedAt status attempts deliveries`;

export const DEAD_LETTERS = `query($status: DeadLetterStatus, $source: String, $first: Int!, $after: String) {
  deadLetters(status: $status, source: $source, first: $first, after: $after) {
    edges { node { ${LETTER} } } pageInfo { hasNextPage endCursor } } }`;

export interface DeadLetter {
  id: string;
  source: string;
  raw: string;
  rawEncoding: "utf-8" | "base64";
  error: string;
  field: string | null;
  topic: string | null;
  partition: number | null;
  offset: number | null;
  receivedAt: string;
  status: string;
  attempts: number;
  deliveries: number;
}

export interface DeadLetterPage {
  deadLetters: { edges: { node: DeadLetter }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export const REDRIVE = `mutation($ids: [ID!]!) {
  redriveDeadLetters(ids: $ids) { redriven skipped stillFailing { id error } errors { field message } } }`;

export interface RedriveAnswer {
  redriveDeadLetters: {
    redriven: string[];
    skipped: string[];
    stillFailing: { id: string; error: string }[];
    errors: FieldError[];
  };
}

export const DISCARD = `mutation($ids: [ID!]!) { discardDeadLetters(ids: $ids) { discarded errors { field message } } }`;

export interface DiscardAnswer {
  discardDeadLetters: { discarded: string[]; errors: FieldError[] };
}

const RULE = `name kind tag enabled revision retiredVersions updatedAt
  match { apps subjectTypes actions payload { operation path value } }`;

export const RULES_AND_TEMPLATES = `{ tagRules { ${RULE} } templates { name app subjectType action text updatedAt } }`;

export interface PayloadCondition {
  operation: string;
  path: string[];
  value: unknown;
}

export interface TagRule {
  name: string;
  kind: "FEED" | "ACCESS";
  tag: string;
  enabled: boolean;
  revision: number;
  retiredVersions: number;
  updatedAt: string;
  match: { apps: string[]; subjectTypes: string[]; actions: string[]; payload: PayloadCondition[] };
}

export interface Template {
  name: string;
  app: string;
  subjectType: string;
  action: string;
  text: string;
  updatedAt: string;
}

export interface RulesAndTemplates {
  tagRules: TagRule[];
  templates: Template[];
}

export const DRY_RUN = `query($name: String!, $input: TagRulePatch!) {
  tagRuleDryRun(name: $name, input: $input) {
    scanned coversAll gained lost
    gainedExamples { entryId subject action tags } lostExamples { entryId subject action tags } } }`;

export const NEW_RULE_DRY_RUN = `query($input: TagRuleInput!) {
  newTagRuleDryRun(input: $input) {
    scanned coversAll gained lost
    gainedExamples { entryId subject action tags } lostExamples { entryId subject action tags } } }`;

export const CREATE_RULE = `mutation($input: TagRuleInput!) {
  createTagRule(input: $input) { rule { name revision } backfill { id status } errors { field message } } }`;

export interface CreateRuleAnswer {
  createTagRule: { rule: { name: string; revision: number } | null; backfill: { id: number } | null; errors: FieldError[] };
}

export interface TagChange {
  entryId: number;
  subject: string;
  action: string;
  tags: string[];
}

export interface TagRuleDiff {
  scanned: number;
  coversAll: boolean;
  gained: number;
  lost: number;
  gainedExamples: TagChange[];
  lostExamples: TagChange[];
}

export const UPDATE_RULE = `mutation($name: String!, $input: TagRulePatch!) {
  updateTagRule(name: $name, input: $input) { rule { name revision } backfill { id status } errors { field message } } }`;

export interface UpdateRuleAnswer {
  updateTagRule: { rule: { name: string; revision: number } | null; backfill: { id: number } | null; errors: FieldError[] };
}

export const UPDATE_TEMPLATE = `mutation($name: String!, $input: TemplatePatch!) {
  updateTemplate(name: $name, input: $input) { template { name text } errors { field message } } }`;

export interface UpdateTemplateAnswer {
  updateTemplate: { template: { name: string } | null; errors: FieldError[] };
}

export const BACKFILLS = `{ backfills(first: 50) {
  id rule status scanned tagged untagged totalEstimate coveredEstimate progress error createdAt finishedAt } }`;

export interface Backfill {
  id: number;
  rule: string;
  status: string;
  scanned: number;
  tagged: number;
  untagged: number;
  totalEstimate: number;
  coveredEstimate: number;
  progress: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export const JOB_QUEUE = `{ jobQueue(failures: 20) {
  counts { status count } recentFailures { id task args attempts scheduledAt failedAt } } }`;

export interface JobQueue {
  counts: { status: string; count: number }[];
  recentFailures: {
    id: number;
    task: string;
    args: Record<string, unknown>;
    attempts: number;
    scheduledAt: string | null;
    failedAt: string | null;
  }[];
}
