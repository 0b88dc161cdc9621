import { useCallback, useEffect, useState } from 'preact/hooks';

// Small pieces the views share: dates, errors, loading.

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return <time datetime={iso} title={iso}>{date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}</time>;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return <p class="error" role="alert">{error.message || String(error)}{error.field ? ` (${error.field})` : ''}</p>;
}

export function Status({ value }) {
  return <span class={`badge badge-${value}`}>{value}</span>;
}

/** Runs a loader once and again whenever a key changes; answers [data, error, reload]. */
export function useLoad(loader, keys) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(async () => {
    try {
      setData(await loader());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, keys);
  useEffect(() => {
    reload();
  }, [reload]);
  return [data, error, reload];
}

/** Calls fn at most once per wait, trailing: a burst of events is one reload. */
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
