import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, all } from '../api.js';
import { Link } from '../router.jsx';
import { ErrorNote, Status, debounce, when } from './common.jsx';

/** How many of the newest messages are read in full (attempts, rules fired). */
const DETAILED = 50;

/** Where a reply to a participant goes, in the terms of POST /v1/messages. */
function recipient(participant) {
  if (participant.startsWith('+')) return { phoneNumber: participant };
  if (participant.startsWith('whatsapp-user:')) return { whatsappUserId: participant.slice('whatsapp-user:'.length) };
  if (participant.startsWith('whatsapp-group:')) return { whatsappGroupId: participant.slice('whatsapp-group:'.length) };
  if (participant.startsWith('livechat:')) return { chatId: participant.slice('livechat:'.length) };
  return null;
}

/**
 * One conversation across carriers, oldest first: every message with its status history, send attempts,
 * media and the rules that fired; kept current by the event stream; a reply form at the end.
 */
export function Timeline({ conversationId, events }) {
  const [conversation, setConversation] = useState(null);
  const [messages, setMessages] = useState(null);
  const [error, setError] = useState(null);

  async function load() {
    try {
      const id = encodeURIComponent(conversationId);
      const [found, listed] = await Promise.all([
        api(`/v1/conversations/${id}`),
        all(`/v1/conversations/${id}/messages`, 500),
      ]);
      // the detail of a message carries its attempts and the rules that fired: read for the newest ones (a
      // long conversation would spend the client's rate budget), the older ones show what the list holds
      const detailed = await Promise.all(listed.map((m, i) => (i < listed.length - DETAILED
        ? m
        : api(`/v1/messages/${encodeURIComponent(m.messageId)}`).catch(() => m))));
      setConversation(found);
      setMessages(detailed);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => {
    setConversation(null);
    setMessages(null);
    load();
  }, [conversationId]);

  const reload = useMemo(() => debounce(load, 200), [conversationId]);
  useEffect(() => events.subscribe((event) => {
    const data = event.data && event.data.data ? event.data.data : event.data;
    const ours = data && (data.conversationId === conversationId
      || (data.messageId && messages && messages.some((m) => m.messageId === data.messageId)));
    if (ours) reload();
  }), [reload, messages]);

  if (error && !conversation) {
    return (
      <section>
        <h1 tabIndex={-1}>Conversation</h1>
        <ErrorNote error={error} />
        <p><Link href="/console/conversations">All conversations</Link></p>
      </section>
    );
  }
  if (!conversation) return <section><h1 tabIndex={-1}>Conversation</h1><p aria-busy="true">Loading…</p></section>;

  return (
    <section aria-labelledby="timeline-title">
      <p class="crumbs"><Link href="/console/conversations">Conversations</Link> ›</p>
      <h1 id="timeline-title" tabIndex={-1}>{conversation.participants.join(', ')}</h1>
      <dl class="facts">
        <div><dt>State</dt><dd>{conversation.state}</dd></div>
        <div><dt>Last carrier</dt><dd>{conversation.carrier || '—'}</dd></div>
        <div><dt>Messages</dt><dd>{conversation.messageCount}</dd></div>
        <div><dt>Last activity</dt><dd>{when(conversation.lastMessageAt)}</dd></div>
        {conversation.tags && conversation.tags.length > 0 && <div><dt>Tags</dt><dd>{conversation.tags.join(', ')}</dd></div>}
      </dl>
      <ErrorNote error={error} />
      <ol class="timeline" aria-label="Messages, oldest first">
        {messages.map((m) => <MessageEntry key={m.messageId} message={m} />)}
      </ol>
      <Reply conversation={conversation} onSent={load} />
    </section>
  );
}

function MessageEntry({ message: m }) {
  const body = m.content && (m.content.body || m.content.text);
  const media = (m.content && m.content.items) || [];
  return (
    <li class={`message ${m.direction}`} data-message={m.messageId}>
      <article aria-label={`${m.direction === 'inbound' ? 'Received' : 'Sent'} over ${m.carrier}`}>
        <header>
          <span class="direction">{m.direction === 'inbound' ? '← in' : 'out →'}</span>
          <span class="carrier">{m.carrier}</span>
          <span class="parties">{m.sender || '?'} → {m.recipient || '?'}</span>
          <Status value={m.status} />
          <span class="when">{when(m.timestamps && m.timestamps.created)}</span>
        </header>
        {body && <p class="body">{body}</p>}
        {!body && m.content && <p class="body muted">({m.content.type})</p>}
        {media.length > 0 && (
          <ul class="media" aria-label="Media">
            {media.map((item, i) => (
              <li key={i}>
                {item.thumbnailUrl
                  ? <a href={item.url} target="_blank" rel="noopener noreferrer"><img src={item.thumbnailUrl} alt={`Thumbnail of ${item.filename || item.contentType || 'media'}`} width="96" height="96" /></a>
                  : item.url && item.status === 'stored'
                    ? <a href={item.url} target="_blank" rel="noopener noreferrer">{item.filename || item.contentType || 'file'}</a>
                    : <span>{item.filename || item.contentType || 'media'}</span>}
                <span class="muted"> {item.contentType} {item.status && item.status !== 'stored' ? `(${item.status}${item.reason ? ': ' + item.reason : ''})` : ''}</span>
              </li>
            ))}
          </ul>
        )}
        {m.error && (m.error.code || m.error.message) && <p class="error-inline">Error: {m.error.code} {m.error.message}</p>}
        <div class="details">
          {m.statusHistory && m.statusHistory.length > 0 && (
            <div>
              <h2>Status history</h2>
              <ol class="history">
                {m.statusHistory.map((h, i) => (
                  <li key={i}><Status value={h.status} /> {when(h.at)}{h.carrierStatus ? ` · ${h.carrierStatus}` : ''}{h.errorCode ? ` · error ${h.errorCode}` : ''}</li>
                ))}
              </ol>
            </div>
          )}
          {m.attempts && m.attempts.length > 0 && (
            <div>
              <h2>Send attempts</h2>
              <ol class="attempts">
                {m.attempts.map((a, i) => (
                  <li key={i}>{a.carrier}{a.account && a.account !== 'default' ? `/${a.account}` : ''}: {a.outcome}
                    {a.httpStatus ? ` · HTTP ${a.httpStatus}` : ''}{a.durationMs !== undefined ? ` · ${a.durationMs} ms` : ''}
                    {a.errorCode ? ` · ${a.errorCode}` : ''}{a.errorMessage ? ` · ${a.errorMessage}` : ''} · {when(a.at)}</li>
                ))}
              </ol>
            </div>
          )}
          {Array.isArray(m.rulesFired) && m.rulesFired.length > 0 && (
            <div>
              <h2>Rules fired</h2>
              <ul class="rules-fired">
                {m.rulesFired.map((r, i) => <li key={i}>{describeRule(r)}</li>)}
              </ul>
            </div>
          )}
        </div>
      </article>
    </li>
  );
}

function describeRule(fired) {
  if (typeof fired !== 'object' || fired === null) return String(fired);
  const name = fired.name || fired.ruleId || fired.rule || 'rule';
  const actions = Array.isArray(fired.actions)
    ? fired.actions.map((a) => [a.type, a.outcome || a.result || a.status].filter(Boolean).join(': ')).join(', ')
    : '';
  return actions ? `${name} — ${actions}` : name;
}

function Reply({ conversation, onSent }) {
  const targets = conversation.participants.filter((p) => recipient(p));
  const [to, setTo] = useState(targets[0] || '');
  const [text, setText] = useState('');
  const [carrier, setCarrier] = useState('');
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  if (targets.length === 0) return <p>No participant of this conversation can be replied to from here.</p>;

  async function send(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const answer = await api('/v1/messages', {
        method: 'POST',
        headers: { 'Idempotency-Key': crypto.randomUUID() },
        body: {
          to: { ...recipient(to), ...(carrier ? { preferredCarrier: carrier } : {}) },
          content: { type: 'text', text },
        },
      });
      setResult(`Queued as ${answer.messageId} over ${answer.carrier}.`);
      setText('');
      onSent();
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  }

  return (
    <form class="reply" onSubmit={send} aria-labelledby="reply-title">
      <h2 id="reply-title">Reply</h2>
      {targets.length > 1 && (
        <>
          <label for="reply-to">To</label>
          <select id="reply-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {targets.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </>
      )}
      <label for="reply-text">Message to {to}</label>
      <textarea id="reply-text" required rows={3} maxLength={4096} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <label for="reply-carrier">Carrier</label>
      <select id="reply-carrier" value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)} aria-describedby="reply-carrier-help">
        <option value="">Best available</option>
        {['whatsapp', 'twilio', 'bandwidth', 'livechat', 'messagebird', 'inteliquent'].map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
      <p id="reply-carrier-help" class="help">The gateway picks the carrier unless you prefer one.</p>
      <button type="submit" disabled={busy}>{busy ? 'Sending…' : 'Send reply'}</button>
      {result && <p class="ok" role="status">{result}</p>}
      <ErrorNote error={error} />
    </form>
  );
}
