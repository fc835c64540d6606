// Tag rules and templates: list them, add or edit a rule and see what it would re-tag before applying it.
import { useState, type FormEvent } from "react";
import { QueryError, type FieldError } from "../graphql";
import { number, when } from "../format";
import {
  CREATE_RULE,
  DRY_RUN,
  NEW_RULE_DRY_RUN,
  RULES_AND_TEMPLATES,
  UPDATE_RULE,
  UPDATE_TEMPLATE,
  type RulesAndTemplates,
  type TagChange,
  type TagRule,
  type TagRuleDiff,
  type Template,
  type CreateRuleAnswer,
  type UpdateRuleAnswer,
  type UpdateTemplateAnswer,
} from "../queries";
import { usePoll, useSend } from "../session";

export function RulesPage() {
  const listed = usePoll<RulesAndTemplates>(RULES_AND_TEMPLATES, {}, 0);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [editingTemplate, setEditingTemplate] = useState<string | null>(null);
  const rules = listed.data?.tagRules ?? [];
  const templates = listed.data?.templates ?? [];
  const rule = rules.find((candidate) => candidate.name === editing);
  const template = templates.find((candidate) => candidate.name === editingTemplate);
  return (
    <>
      <h1>Rules &amp; templates</h1>
      {listed.error && (
        <p role="alert" className="error">
          {listed.error}
        </p>
      )}
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">Tag rules</h2>
        {listed.data && !rules.length && <p className="muted">No tag rules yet.</p>}
        {!adding && (
          <button type="button" onClick={() => setAdding(true)}>
            New rule
          </button>
        )}
        {adding && <NewRuleEditor onDone={() => listed.reload()} onClose={() => setAdding(false)} />}
        <ul className="cards">
          {rules.map((candidate) => (
            <li key={candidate.name} className="card" data-rule={candidate.name}>
              <RuleSummary rule={candidate} />
              <button type="button" className="secondary" onClick={() => setEditing(candidate.name)}>
                Edit rule {candidate.name}
              </button>
            </li>
          ))}
        </ul>
        {rule && <RuleEditor key={rule.name} rule={rule} onDone={() => listed.reload()} onClose={() => setEditing(null)} />}
      </section>
      <section aria-labelledby="templates-title">
        <h2 id="templates-title">Templates</h2>
        {listed.data && !templates.length && <p className="muted">No templates yet.</p>}
        <ul className="cards">
          {templates.map((candidate) => (
            <li key={candidate.name} className="card" data-template={candidate.name}>
              <p>
                <strong>{candidate.name}</strong>{" "}
                <span className="muted">
                  {candidate.app} · {candidate.subjectType} · {candidate.action}
                </span>
              </p>
              <p>
                <code>{candidate.text}</code>
              </p>
              <button type="button" className="secondary" onClick={() => setEditingTemplate(candidate.name)}>
                Edit template {candidate.name}
              </button>
            </li>
          ))}
        </ul>
        {template && (
          <TemplateEditor
            key={template.name}
            template={template}
            onDone={() => listed.reload()}
            onClose={() => setEditingTemplate(null)}
          />
        )}
      </section>
    </>
  );
}

function list(values: string[]): string {
  return values.length ? values.join(", ") : "any";
}

function RuleSummary({ rule }: { rule: TagRule }) {
  return (
    <>
      <p>
        <strong>{rule.name}</strong> <span className="badge">{rule.kind.toLowerCase()}</span>{" "}
        {!rule.enabled && <span className="badge badge-discarded">disabled</span>}{" "}
        <span className="muted">
          revision {rule.revision}, changed {when(rule.updatedAt)}
        </span>
      </p>
      <p>
        Tag <code>{rule.tag}</code> on apps {list(rule.match.apps)}, subject types {list(rule.match.subjectTypes)},
        actions {list(rule.match.actions)}
        {rule.match.payload.length ? `, when ${rule.match.payload.length} payload condition(s) hold` : ""}.
      </p>
    </>
  );
}

interface RuleForm {
  kind: string;
  tag: string;
  apps: string;
  subjectTypes: string;
  actions: string;
  payload: string;
  enabled: boolean;
}

function words(text: string): string[] {
  return text
    .split(",")
    .map((word) => word.trim())
    .filter(Boolean);
}

function patchOf(form: RuleForm): Record<string, unknown> {
  return {
    kind: form.kind,
    tag: form.tag,
    enabled: form.enabled,
    match: {
      apps: words(form.apps),
      subjectTypes: words(form.subjectTypes),
      actions: words(form.actions),
      payload: JSON.parse(form.payload || "[]") as unknown,
    },
  };
}

function RuleEditor({ rule, onDone, onClose }: { rule: TagRule; onDone: () => void; onClose: () => void }) {
  const send = useSend();
  const [form, setForm] = useState<RuleForm>({
    kind: rule.kind,
    tag: rule.tag,
    apps: rule.match.apps.join(", "),
    subjectTypes: rule.match.subjectTypes.join(", "),
    actions: rule.match.actions.join(", "),
    payload: JSON.stringify(rule.match.payload, null, 2),
    enabled: rule.enabled,
  });
  const update = (change: Partial<RuleForm>) => setForm((current) => ({ ...current, ...change }));
  const change = usePreviewedChange(
    JSON.stringify(form),
    async () =>
      (await send<{ tagRuleDryRun: TagRuleDiff }>(DRY_RUN, { name: rule.name, input: patchOf(form) })).tagRuleDryRun,
    async () => {
      const answer = await send<UpdateRuleAnswer>(UPDATE_RULE, { name: rule.name, input: patchOf(form) });
      const { errors, rule: changed, backfill } = answer.updateTagRule;
      const done =
        `Saved: ${rule.name} is at revision ${changed?.revision ?? "?"}` +
        (backfill ? `; backfill ${backfill.id} is queued (see Backfills).` : ".");
      return { errors, done };
    },
    onDone,
  );

  return (
    <form className="editor" onSubmit={(event) => void change.preview(event)} aria-labelledby="rule-editor-title">
      <h3 id="rule-editor-title">Edit rule {rule.name}</h3>
      <RuleFields form={form} update={update} />
      <PreviewedChangeActions change={change} previewLabel="Preview change" applyLabel="Apply change" onClose={onClose} />
    </form>
  );
}

interface Outcome {
  errors: FieldError[];
  done: string;
}

interface PreviewedChange {
  previewed: TagRuleDiff | null; // the preview of the form as it is now, if there is one
  problem: string | null;
  saved: string | null;
  preview: (event: FormEvent<HTMLFormElement>) => Promise<void>;
  apply: () => Promise<void>;
}

// A change that is previewed (a dry run of the form as it is) before it can be applied.
function usePreviewedChange(
  formKey: string,
  dryRun: () => Promise<TagRuleDiff>,
  save: () => Promise<Outcome>,
  onDone: () => void,
): PreviewedChange {
  const [diff, setDiff] = useState<{ for: string; diff: TagRuleDiff } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const preview = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    setSaved(null);
    try {
      setDiff({ for: formKey, diff: await dryRun() });
    } catch (error) {
      setDiff(null);
      setProblem(error instanceof SyntaxError ? `Payload conditions: ${error.message}` : messageOf(error));
    }
  };
  const apply = async () => {
    setProblem(null);
    try {
      const outcome = await save();
      if (outcome.errors.length) {
        setProblem(fieldErrors(outcome.errors));
        return;
      }
      setSaved(outcome.done);
      onDone();
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  return { previewed: diff?.for === formKey ? diff.diff : null, problem, saved, preview, apply };
}

function PreviewedChangeActions({
  change,
  previewLabel,
  applyLabel,
  once = false,
  onClose,
}: {
  change: PreviewedChange;
  previewLabel: string;
  applyLabel: string;
  once?: boolean; // applied once, the button stays disabled
  onClose: () => void;
}) {
  return (
    <>
      {change.problem && (
        <p role="alert" className="error">
          {change.problem}
        </p>
      )}
      <div className="actions">
        <button type="submit">{previewLabel}</button>
        <button
          type="button"
          disabled={change.previewed === null || (once && change.saved !== null)}
          onClick={() => void change.apply()}
        >
          {applyLabel}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {change.saved && (
        <p role="status" className="outcome">
          {change.saved}
        </p>
      )}
      {change.previewed && !change.saved && <DiffView diff={change.previewed} />}
    </>
  );
}

function RuleFields({ form, update }: { form: RuleForm; update: (change: Partial<RuleForm>) => void }) {
  return (
    <>
      <div className="grid">
        <label>
          Kind
          <select value={form.kind} onChange={(event) => update({ kind: event.target.value })}>
            <option value="FEED">feed</option>
            <option value="ACCESS">access</option>
          </select>
        </label>
        <label>
          Tag
          <input value={form.tag} onChange={(event) => update({ tag: event.target.value })} />
        </label>
        <label>
          Apps
          <input value={form.apps} onChange={(event) => update({ apps: event.target.value })} />
        </label>
        <label>
          Subject types
          <input value={form.subjectTypes} onChange={(event) => update({ subjectTypes: event.target.value })} />
        </label>
        <label>
          Actions
          <input value={form.actions} onChange={(event) => update({ actions: event.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={form.enabled} onChange={(event) => update({ enabled: event.target.checked })} />
          Enabled
        </label>
      </div>
      <p className="hint">Apps, subject types and actions: comma-separated; empty matches any.</p>
      <label>
        Payload conditions (JSON)
        <span className="hint">{'For example [{"operation": "EQ", "path": ["lesson", "id"], "value": "py-1"}]'}</span>
        <textarea rows={4} value={form.payload} onChange={(event) => update({ payload: event.target.value })} />
      </label>
    </>
  );
}

const EMPTY_RULE: RuleForm = {
  kind: "FEED",
  tag: "",
  apps: "",
  subjectTypes: "",
  actions: "",
  payload: "[]",
  enabled: true,
};

function NewRuleEditor({ onDone, onClose }: { onDone: () => void; onClose: () => void }) {
  const send = useSend();
  const [name, setName] = useState("");
  const [form, setForm] = useState<RuleForm>(EMPTY_RULE);
  const update = (change: Partial<RuleForm>) => setForm((current) => ({ ...current, ...change }));
  const input = () => ({ name, ...patchOf(form) });
  const change = usePreviewedChange(
    JSON.stringify({ name, form }),
    async () => (await send<{ newTagRuleDryRun: TagRuleDiff }>(NEW_RULE_DRY_RUN, { input: input() })).newTagRuleDryRun,
    async () => {
      const { errors, rule: made, backfill } = (await send<CreateRuleAnswer>(CREATE_RULE, { input: input() }))
        .createTagRule;
      const done =
        `Created ${made?.name ?? name}` + (backfill ? `; backfill ${backfill.id} is queued (see Backfills).` : ".");
      return { errors, done };
    },
    onDone,
  );

  return (
    <form className="editor" onSubmit={(event) => void change.preview(event)} aria-labelledby="new-rule-title">
      <h3 id="new-rule-title">New rule</h3>
      <label>
        Name
        <input value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <RuleFields form={form} update={update} />
      <PreviewedChangeActions
        change={change}
        previewLabel="Preview rule"
        applyLabel="Create rule"
        once
        onClose={onClose}
      />
    </form>
  );
}

function DiffView({ diff }: { diff: TagRuleDiff }) {
  return (
    <section className="diff" aria-label="What the change would re-tag">
      <p role="status">
        Of the newest {number(diff.scanned)} entries{diff.coversAll ? " (all of them)" : ""},{" "}
        <strong className="gained">{number(diff.gained)} would gain a tag</strong> and{" "}
        <strong className="lost">{number(diff.lost)} would lose a tag</strong>.
      </p>
      <Examples title="Would gain" changes={diff.gainedExamples} />
      <Examples title="Would lose" changes={diff.lostExamples} />
    </section>
  );
}

function Examples({ title, changes }: { title: string; changes: TagChange[] }) {
  if (!changes.length) return null;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title}: examples`}>
      <table>
        <caption>{title} (examples)</caption>
        <thead>
          <tr>
            <th scope="col">Entry</th>
            <th scope="col">Subject</th>
            <th scope="col">Action</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={change.entryId}>
              <td>{change.entryId}</td>
              <td>{change.subject}</td>
              <td>{change.action}</td>
              <td>{change.tags.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TemplateEditor({ template, onDone, onClose }: { template: Template; onDone: () => void; onClose: () => void }) {
  const send = useSend();
  const [text, setText] = useState(template.text);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(null);
    try {
      const answer = await send<UpdateTemplateAnswer>(UPDATE_TEMPLATE, { name: template.name, input: { text } });
      if (answer.updateTemplate.errors.length) setProblem(fieldErrors(answer.updateTemplate.errors));
      else {
        setSaved(`Saved template ${template.name}.`);
        onDone();
      }
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  return (
    <form className="editor" onSubmit={(event) => void save(event)} aria-labelledby="template-editor-title">
      <h3 id="template-editor-title">Edit template {template.name}</h3>
      <label>
        Text
        <textarea rows={3} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <div className="actions">
        <button type="submit">Save template</button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {saved && (
        <p role="status" className="outcome">
          {saved}
        </p>
      )}
    </form>
  );
}

function fieldErrors(errors: FieldError[]): string {
  return errors.map((error) => `${error.field}: ${error.message}`).join("; ");
}

function messageOf(error: unknown): string {
  return error instanceof QueryError || error instanceof Error ? error.message : String(error);
}
