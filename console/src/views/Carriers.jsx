import { useState } from 'preact/hooks';
import { api, all } from '../api.js';
import { ErrorNote, useLoad, when } from './common.jsx';

const CARRIERS = ['whatsapp', 'twilio', 'bandwidth', 'livechat', 'messagebird', 'inteliquent'];

function percent(rate) {
  return rate === null || rate === undefined ? 'not enough calls' : `${(rate * 100).toFixed(1)} %`;
}

/** Each sending account's health, breaker, error rate and cost; the routing rules and business rules. */
export function Carriers() {
  const [carriers, carriersError, reloadCarriers] = useLoad(() => api('/v1/carriers').then((a) => a.items || a), []);
  return (
    <section aria-labelledby="carriers-title">
      <h1 id="carriers-title" tabIndex={-1}>Carriers &amp; rules</h1>
      <h2>Carriers</h2>
      <ErrorNote error={carriersError} />
      {carriers && carriers.length === 0 && <p>No carrier account is configured to send.</p>}
      {carriers && carriers.length > 0 && (
        <div class="table-wrap">
          <table class="carriers">
            <thead><tr><th scope="col">Carrier</th><th scope="col">Health</th><th scope="col">Circuit breaker</th>
              <th scope="col">Error rate</th><th scope="col">Recent calls</th><th scope="col">Cost per message</th></tr></thead>
            <tbody>
              {carriers.map((c) => (
                <tr key={c.name + '/' + c.account}>
                  <th scope="row">{c.name}{c.account && c.account !== 'default' ? ` / ${c.account}` : ''}</th>
                  <td data-label="Health"><span class={`badge health-${c.health}`}>{c.health}</span></td>
                  <td data-label="Circuit breaker">{c.circuitBreaker}</td>
                  <td data-label="Error rate">{percent(c.errorRate)}</td>
                  <td data-label="Recent calls">{c.recentCalls ?? '—'}</td>
                  <td data-label="Cost per message">{c.costPerMessage ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" class="secondary" onClick={reloadCarriers}>Refresh carriers</button>
      <RoutingRules />
      <BusinessRules />
    </section>
  );
}

/**
 * A list the API lets one add to (POST path) and delete from (DELETE path/{id}): the items, the load error, and
 * add/remove that reload after a change and keep the refusal to show beside the form.
 */
function useEditableList(path, load) {
  const [items, error, reload] = useLoad(load, []);
  const [actionError, setActionError] = useState(null);
  async function change(request) {
    setActionError(null);
    try {
      await request();
      reload();
      return true;
    } catch (err) {
      setActionError(err);
      return false;
    }
  }
  return {
    items,
    error,
    actionError,
    add: (body) => change(() => api(path, { method: 'POST', body })),
    remove: (item) => change(() => api(`${path}/${encodeURIComponent(item.id)}`, { method: 'DELETE' })),
  };
}

function RoutingRules() {
  const { items: rules, error, actionError, add: addRule, remove } =
    useEditableList('/v1/routing-rules', () => api('/v1/routing-rules').then((a) => a.items || a));
  const [form, setForm] = useState({ prefix: '', carrier: 'twilio', priority: '0', costPerMessage: '' });
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });

  async function add(e) {
    e.preventDefault();
    const added = await addRule({
      prefix: form.prefix.trim(),
      carrier: form.carrier,
      priority: Number(form.priority || 0),
      ...(form.costPerMessage !== '' ? { costPerMessage: Number(form.costPerMessage) } : {}),
    });
    if (added) setForm({ ...form, prefix: '', costPerMessage: '' });
  }

  return (
    <>
      <h2>Routing rules</h2>
      <p class="help">The longest matching prefix of the recipient's number picks the carrier.</p>
      <ErrorNote error={error} />
      {rules && rules.length === 0 && <p>No routing rule.</p>}
      {rules && rules.length > 0 && (
        <div class="table-wrap">
          <table class="routing-rules">
            <thead><tr><th scope="col">Prefix</th><th scope="col">Carrier</th><th scope="col">Priority</th><th scope="col">Cost</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{r.prefix}</th>
                  <td data-label="Carrier">{r.carrier}</td>
                  <td data-label="Priority">{r.priority}</td>
                  <td data-label="Cost">{r.costPerMessage ?? '—'}</td>
                  <td data-label="Created">{when(r.createdAt)}</td>
                  <td><button type="button" class="danger" onClick={() => remove(r)}>Delete <span class="visually-hidden">routing rule {r.prefix}</span></button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={add} aria-label="Add a routing rule">
        <div><label for="rr-prefix">Prefix</label>
          <input id="rr-prefix" required pattern="\+[0-9]{1,15}" placeholder="+44" value={form.prefix} onInput={set('prefix')} /></div>
        <div><label for="rr-carrier">Carrier</label>
          <select id="rr-carrier" value={form.carrier} onChange={set('carrier')}>{CARRIERS.map((c) => <option key={c}>{c}</option>)}</select></div>
        <div><label for="rr-priority">Priority</label>
          <input id="rr-priority" type="number" step="1" value={form.priority} onInput={set('priority')} /></div>
        <div><label for="rr-cost">Cost per message</label>
          <input id="rr-cost" type="number" step="any" min="0" value={form.costPerMessage} onInput={set('costPerMessage')} /></div>
        <button type="submit">Add routing rule</button>
      </form>
      <ErrorNote error={actionError} />
    </>
  );
}

function describeMatch(match) {
  if (!match) return 'every message';
  const parts = [];
  if (match.keywords && match.keywords.length) parts.push('keywords ' + match.keywords.join(', '));
  if (match.pattern) parts.push('pattern ' + match.pattern);
  if (match.carriers && match.carriers.length) parts.push('carriers ' + match.carriers.join(', '));
  if (match.senderPrefixes && match.senderPrefixes.length) parts.push('senders ' + match.senderPrefixes.join(', '));
  if (match.ourNumbers && match.ourNumbers.length) parts.push('to ' + match.ourNumbers.join(', '));
  if (match.window) parts.push(`${match.window.outside ? 'outside' : 'within'} ${match.window.from}–${match.window.to} ${match.window.zone}`);
  return parts.join('; ') || 'every message';
}

function describeAction(action) {
  const value = action.text || action.url || action.tag || action.state || '';
  return value ? `${action.type}: ${value}` : action.type;
}

function BusinessRules() {
  const { items: rules, error, actionError, add: addRule, remove } = useEditableList('/v1/rules', () => all('/v1/rules'));
  const [form, setForm] = useState({ name: '', priority: '0', keywords: '', pattern: '', action: 'reply', value: '', stop: false });
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const valueField = { reply: 'text', forward: 'url', tag: 'tag', state: 'state' }[form.action];

  async function add(e) {
    e.preventDefault();
    const match = {};
    const keywords = form.keywords.split(',').map((k) => k.trim()).filter(Boolean);
    if (keywords.length) match.keywords = keywords;
    if (form.pattern.trim()) match.pattern = form.pattern.trim();
    const added = await addRule({
      name: form.name.trim(),
      priority: Number(form.priority || 0),
      match,
      actions: [{ type: form.action, [valueField]: form.value }],
      stop: form.stop,
    });
    if (added) setForm({ ...form, name: '', keywords: '', pattern: '', value: '' });
  }

  return (
    <>
      <h2>Business rules</h2>
      <p class="help">Run on every inbound message, highest priority first. Rules from the configuration file are read-only here.</p>
      <ErrorNote error={error} />
      {rules && rules.length === 0 && <p>No business rule.</p>}
      {rules && rules.length > 0 && (
        <div class="table-wrap">
          <table class="rules">
            <thead><tr><th scope="col">Name</th><th scope="col">Priority</th><th scope="col">Matches</th><th scope="col">Actions</th><th scope="col">Source</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{r.name}</th>
                  <td data-label="Priority">{r.priority}</td>
                  <td data-label="Matches">{describeMatch(r.match)}</td>
                  <td data-label="Actions">{r.actions.map(describeAction).join('; ')}{r.stop ? ' (stops)' : ''}</td>
                  <td data-label="Source">{r.source}</td>
                  <td>{r.source === 'api' && <button type="button" class="danger" onClick={() => remove(r)}>Delete <span class="visually-hidden">rule {r.name}</span></button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={add} aria-label="Add a business rule">
        <div><label for="rule-name">Name</label><input id="rule-name" required maxLength={200} value={form.name} onInput={set('name')} /></div>
        <div><label for="rule-priority">Priority</label><input id="rule-priority" type="number" step="1" value={form.priority} onInput={set('priority')} /></div>
        <div><label for="rule-keywords">Keywords (comma-separated)</label><input id="rule-keywords" value={form.keywords} onInput={set('keywords')} /></div>
        <div><label for="rule-pattern">Pattern (RE2)</label><input id="rule-pattern" value={form.pattern} onInput={set('pattern')} /></div>
        <div><label for="rule-action">Action</label>
          <select id="rule-action" value={form.action} onChange={set('action')}>
            <option value="reply">reply</option><option value="forward">forward</option><option value="tag">tag</option><option value="state">state</option>
          </select></div>
        <div><label for="rule-value">{{ text: 'Reply text', url: 'Forward to URL', tag: 'Tag', state: 'State' }[valueField]}</label>
          <input id="rule-value" required value={form.value} onInput={set('value')} /></div>
        <div class="check"><input id="rule-stop" type="checkbox" checked={form.stop} onChange={set('stop')} /><label for="rule-stop">Stop after this rule</label></div>
        <button type="submit">Add rule</button>
      </form>
      <ErrorNote error={actionError} />
    </>
  );
}
