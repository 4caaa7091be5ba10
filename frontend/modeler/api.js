// JSON calls of the page with its session and CSRF token (shared/API.md "Designers").
export async function call(url, body) {
  const token = document.querySelector('meta[name="csrf-token"]');
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRFToken': token ? token.content : '', 'Content-Type': 'application/json',
      Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  return { ok: response.ok, status: response.status, data: data || {} };
}

export function errorText(result) {
  const errors = Object.values(result.data.errors || {}).flat();
  return [result.data.error, ...errors].filter(Boolean).join(' ') || `HTTP ${result.status}`;
}
