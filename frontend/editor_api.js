// What the editors share: calling the JSON API with the page's session and CSRF token,
// the page's translated texts, and small DOM helpers.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

// GET `url`, or POST `body` as JSON when given; resolve to {ok, status, body} (never throws
// on an HTTP or network error).
export async function requestJson(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST', credentials: 'same-origin',
      // The API answers in the page's language (texts, and labels from the process files).
      headers: { 'X-CSRFToken': csrfToken(), 'Content-Type': 'application/json',
        Accept: 'application/json', 'Accept-Language': document.documentElement.lang || 'zh' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    return { ok: false, status: 0, body: {} };
  }
  let answer = {};
  try { answer = (await response.json()) || {}; } catch (error) { answer = {}; }
  return { ok: response.ok, status: response.status, body: answer };
}

export const postJson = requestJson;

export function pageTexts(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

export function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([key, value]) => {
    if (value === undefined || value === null || value === false) return;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  });
  children.flat().forEach((child) => {
    if (child === null || child === undefined) return;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  });
  return node;
}

// The first message of an error answer: {"error", "errors"}.
export function errorText(answer, fallback = `HTTP ${answer.status}`) {
  const body = answer.body || {};
  const details = Object.values(body.errors || {}).flat();
  return [body.error, ...details].filter(Boolean).join(' ') || fallback;
}

// Save `files` as a draft of the process; show the outcome in `status`.
export async function saveDraft(key, files, note, status, texts) {
  status.className = 'editor-status';
  status.textContent = texts.saving;
  const answer = await postJson(`/api/processes/${encodeURIComponent(key)}/drafts`,
    { files, note });
  if (!answer.ok) {
    status.classList.add('is-error');
    status.textContent = errorText(answer, texts.saveFailed);
    return answer;
  }
  const problems = answer.body.problems || [];
  status.classList.add(problems.length ? 'is-warning' : 'is-ok');
  status.textContent = texts.saved.replace('{n}', answer.body.draft)
    + (problems.length ? ` ${texts.savedWithProblems.replace('{n}', problems.length)}` : '');
  const link = element('a', { href: `/processes/${encodeURIComponent(key)}/versions`,
    text: texts.versionsLink });
  status.append(' ', link);
  return answer;
}
