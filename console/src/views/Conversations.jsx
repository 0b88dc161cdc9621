import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Link, navigate, useRoute } from '../router.jsx';
import { ErrorNote, debounce, when } from './common.jsx';

const LIVE_TYPES = new Set(['conversation.created', 'conversation.merged', 'message.received', 'message.status']);

/** Conversations, newest activity first, optionally of one participant; refreshed as events arrive. */
export function Conversations({ events }) {
  const route = useRoute();
  const participant = route.query.get('participant') || '';
  const [input, setInput] = useState(participant);
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);

  const path = '/v1/conversations?limit=50' + (participant ? '&participant=' + encodeURIComponent(participant) : '');
  // An answer may come after a newer request's (a slow reload, then a search): only the newest for the list shown
  // now is drawn, or a search could be replaced by the whole list it started from.
  const shownPath = useRef(path);
  shownPath.current = path;
  const requests = useRef(0);
  const drawn = useRef(0);

  async function load() {
    const requested = path;
    const request = ++requests.current;
    try {
      const page = await api(requested);
      if (requested !== shownPath.current || request < drawn.current) return;
      drawn.current = request;
      setItems(page.items);
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }

  async function more() {
    try {
      const page = await api(path + '&cursor=' + encodeURIComponent(cursor));
      setItems([...items, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => {
    setInput(participant);
    load();
  }, [participant]);

  const reload = useMemo(() => debounce(load, 250), [participant]);
  useEffect(() => events.subscribe((event) => {
    if (LIVE_TYPES.has(event.type)) reload();
  }), [reload]);

  function search(e) {
    e.preventDefault();
    const value = input.trim();
    navigate('/console/conversations' + (value ? '?participant=' + encodeURIComponent(value) : ''));
  }

  return (
    <section aria-labelledby="conversations-title">
      <h1 id="conversations-title" tabIndex={-1}>Conversations</h1>
      <form class="search" role="search" onSubmit={search}>
        <label for="participant">Participant</label>
        <input
          id="participant"
          name="participant"
          type="search"
          placeholder="+14155550100, whatsapp-user:…, livechat:…"
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
          aria-describedby="participant-help"
        />
        <button type="submit">Search</button>
        <p id="participant-help" class="help">A phone number in E.164 form, or a carrier id such as
          <code> whatsapp-user:&lt;id&gt;</code>; empty for every conversation.</p>
      </form>
      <ErrorNote error={error} />
      {items === null && !error && <p aria-busy="true">Loading…</p>}
      {items && items.length === 0 && <p>No conversation{participant ? ` with ${participant}` : ''} yet.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table class="conversations">
            <caption class="visually-hidden">Conversations, newest activity first</caption>
            <thead>
              <tr><th scope="col">Participant</th><th scope="col">Last carrier</th><th scope="col">State</th>
                <th scope="col">Messages</th><th scope="col">Last activity</th></tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.conversationId} data-conversation={c.conversationId}>
                  <th scope="row">
                    <Link href={`/console/conversations/${encodeURIComponent(c.conversationId)}`}>
                      {c.participants.join(', ')}
                    </Link>
                    {c.tags && c.tags.length > 0 && <span class="tags">{c.tags.map((t) => <span class="tag" key={t}>{t}</span>)}</span>}
                  </th>
                  <td data-label="Last carrier">{c.carrier || '—'}</td>
                  <td data-label="State">{c.state}</td>
                  <td data-label="Messages">{c.messageCount}</td>
                  <td data-label="Last activity">{when(c.lastMessageAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && <button type="button" class="secondary" onClick={more}>Show more</button>}
    </section>
  );
}
