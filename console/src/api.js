// The console's only way to the gateway: the public /v1 API with the admin key the operator typed in. The key
// lives in this tab's sessionStorage (gone when the tab closes, never in a URL or localStorage).

const KEY = 'omniservice.console.apiKey';
const signOutListeners = new Set();

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function onSignOut(listener) {
  signOutListeners.add(listener);
  return () => signOutListeners.delete(listener);
}

export function signOut(reason) {
  sessionStorage.removeItem(KEY);
  signOutListeners.forEach((listener) => listener(reason));
}

/** An answer other than 2xx, with the gateway's error code and message ({"error": {code, message, field}}). */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function request(key, path, { method = 'GET', body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'The gateway did not answer; check that it is running.');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json && json.error ? json.error : {};
    throw new ApiError(response.status, error.code || 'http_' + response.status, error.message || text || response.statusText, error.field);
  }
  return json;
}

/**
 * Checks a key before keeping it: it must be valid and hold the admin scope. Answers null when it does, else
 * what to tell the operator.
 */
export async function signIn(key) {
  let me;
  try {
    me = await request(key, '/v1/clients/me');
  } catch (e) {
    if (e.status === 401) return 'This API key is not valid.';
    if (e.status === 429) return 'Too many failed sign-ins from this address; wait a minute and try again.';
    return e.message;
  }
  if (!Array.isArray(me.scopes) || !me.scopes.includes('admin')) {
    return `The key "${me.id}" does not have the admin scope (it has: ${(me.scopes || []).join(', ') || 'none'}). The console needs an admin key.`;
  }
  sessionStorage.setItem(KEY, key);
  return null;
}

/** A call with the stored key; a 401 (key revoked or rotated) signs out. */
export async function api(path, options) {
  const key = storedKey();
  if (!key) {
    signOut('Signed out.');
    throw new ApiError(401, 'unauthorized', 'Signed out.');
  }
  try {
    return await request(key, path, options);
  } catch (e) {
    if (e.status === 401) signOut('The API key was refused; sign in again.');
    throw e;
  }
}

/** Every page of a list answer ({items, nextCursor}), up to {@code max} items. */
export async function all(path, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api(path + separator + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/**
 * Follows /v1/events (Server-Sent Events) with the key in the Authorization header, which an EventSource
 * cannot send: a streamed fetch, parsed here. Reconnects after a drop, resuming with Last-Event-ID. Calls
 * onState('live' | 'reconnecting') and onEvent({id, type, data}); stops when signal aborts.
 */
export async function followEvents(onEvent, onState, signal) {
  let lastId = null;
  while (!signal.aborted) {
    try {
      const key = storedKey();
      if (!key) return;
      const response = await fetch('/v1/events', {
        headers: {
          Authorization: `Bearer ${key}`,
          Accept: 'text/event-stream',
          ...(lastId ? { 'Last-Event-ID': lastId } : {}),
        },
        cache: 'no-store',
        signal,
      });
      if (response.status === 401) {
        signOut('The API key was refused; sign in again.');
        return;
      }
      if (!response.ok || !response.body) throw new Error('event stream answered ' + response.status);
      onState('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseEvent(block);
          if (event) {
            if (event.id) lastId = event.id;
            onEvent(event);
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function parseEvent(block) {
  let id = null;
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // a keep-alive comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  let parsed;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    return null;
  }
  return { id, type, data: parsed };
}
