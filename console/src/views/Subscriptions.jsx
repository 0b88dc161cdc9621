import { all } from '../api.js';
import { ErrorNote, useLoad, when } from './common.jsx';

/** Outgoing event webhooks and how their deliveries stand (GET /v1/subscriptions' delivery field). */
export function Subscriptions() {
  const [subscriptions, error, reload] = useLoad(() => all('/v1/subscriptions'), []);
  return (
    <section aria-labelledby="subscriptions-title">
      <h1 id="subscriptions-title" tabIndex={-1}>Subscriptions</h1>
      <button type="button" class="secondary" onClick={reload}>Refresh</button>
      <ErrorNote error={error} />
      {subscriptions && subscriptions.length === 0 && <p>No subscription.</p>}
      {subscriptions && subscriptions.length > 0 && (
        <div class="table-wrap">
          <table class="subscriptions">
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Client</th><th scope="col">Created</th>
              <th scope="col">Delivery</th></tr></thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr key={s.id}>
                  <th scope="row" class="wrap">{s.url}</th>
                  <td data-label="Events">{s.events.join(', ')}</td>
                  <td data-label="Client">{s.client}</td>
                  <td data-label="Created">{when(s.createdAt)}</td>
                  <td data-label="Delivery"><Delivery state={s.delivery} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Delivery({ state }) {
  if (!state) return '—';
  if (state.waiting === 0 && state.deadLettered === 0) return <span class="badge health-healthy">up to date</span>;
  return (
    <span class="delivery">
      <span class={`badge ${state.retrying > 0 || state.deadLettered > 0 ? 'health-down' : 'health-degraded'}`}>
        {state.retrying > 0 ? 'retrying' : state.waiting > 0 ? 'waiting' : 'dead letters'}
      </span>
      {' '}{state.waiting} conversation{state.waiting === 1 ? '' : 's'} waiting
      {state.retrying > 0 && <>, {state.retrying} retrying{state.nextRetryAt && <> (next {when(state.nextRetryAt)})</>}</>}
      {state.deadLettered > 0 && <>, {state.deadLettered} dead-lettered</>}
      {state.lastError && <> · last error: <span class="wrap">{state.lastError}</span></>}
    </span>
  );
}
