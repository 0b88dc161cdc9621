import { useEffect, useState } from 'preact/hooks';

// Client routes under /console/: /console/{view} and /console/{view}/{id}. The gateway answers each with the
// page, so a reload or a shared link lands on the same view.

function parse() {
  const parts = location.pathname.replace(/^\/console\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] || '', id: parts[1] || null, query: new URLSearchParams(location.search) };
}

const listeners = new Set();

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((listener) => listener());
  // the new view's heading takes the focus, so keyboard and screen-reader users start at its top
  requestAnimationFrame(() => {
    const heading = document.querySelector('main h1');
    if (heading) heading.focus();
  });
}

export function useRoute() {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

export function Link({ href, current, children, ...rest }) {
  return (
    <a
      href={href}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
      {...rest}
    >
      {children}
    </a>
  );
}
