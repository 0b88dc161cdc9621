import { useState } from 'preact/hooks';
import { all, api } from '../api.js';
import { ErrorNote, useLoad, when } from './common.jsx';

const KINDS = ['send', 'callback', 'event', 'forward', 'workflow'];

/** Work that ran out of attempts, by kind, each replayable once more. */
export function DeadLetters() {
  const [letters, error, reload] = useLoad(() => all('/v1/dead-letters'), []);
  const [kind, setKind] = useState('');
  const [note, setNote] = useState(null);
  const [actionError, setActionError] = useState(null);

  const counts = {};
  (letters || []).forEach((l) => { counts[l.kind] = (counts[l.kind] || 0) + 1; });
  const shown = (letters || []).filter((l) => !kind || l.kind === kind);

  async function replay(letter) {
    setNote(null);
    setActionError(null);
    try {
      await api(`/v1/dead-letters/${encodeURIComponent(letter.id)}/replay`, { method: 'POST' });
      setNote(`Dead letter ${letter.id} (${letter.kind}) queued again.`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  return (
    <section aria-labelledby="dead-letters-title">
      <h1 id="dead-letters-title" tabIndex={-1}>Dead letters</h1>
      <form class="search" onSubmit={(e) => e.preventDefault()}>
        <label for="kind">Kind</label>
        <select id="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">All kinds ({(letters || []).length})</option>
          {KINDS.map((k) => <option key={k} value={k}>{k} ({counts[k] || 0})</option>)}
        </select>
        <button type="button" class="secondary" onClick={reload}>Refresh</button>
      </form>
      <ErrorNote error={error} />
      {note && <p class="ok" role="status">{note}</p>}
      <ErrorNote error={actionError} />
      {letters && shown.length === 0 && <p>No dead letter{kind ? ` of kind ${kind}` : ''}.</p>}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table class="dead-letters">
            <thead><tr><th scope="col">Kind</th><th scope="col">Message</th><th scope="col">Attempts</th><th scope="col">Last error</th>
              <th scope="col">Created</th><th scope="col">Replayed</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {shown.map((l) => (
                <tr key={l.id} data-dead-letter={l.id}>
                  <th scope="row">{l.kind}</th>
                  <td data-label="Message"><code>{l.messageId || '—'}</code></td>
                  <td data-label="Attempts">{l.attempts}</td>
                  <td data-label="Last error" class="wrap">{l.lastError || '—'}</td>
                  <td data-label="Created">{when(l.createdAt)}</td>
                  <td data-label="Replayed">{when(l.replayedAt)}</td>
                  <td><button type="button" onClick={() => replay(l)}>Replay <span class="visually-hidden">{l.kind} dead letter {l.id}</span></button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
