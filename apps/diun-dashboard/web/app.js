// The Diun dashboard page: plain DOM, no build step. Every value from the
// API goes through textContent or value, never through HTML.
'use strict';

const tbody = document.querySelector('#updates tbody');
const tagList = document.getElementById('tags');
const summary = document.getElementById('summary');
const errorBox = document.getElementById('error');
let tags = [];

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((data && data.error) || `${method} ${path}: ${res.status}`);
  return data;
}

function showError(err) {
  errorBox.textContent = err ? String(err.message || err) : '';
  errorBox.hidden = !err;
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

// Runs an action, then reloads everything; errors show on the page.
async function act(fn) {
  try {
    await fn();
    showError(null);
  } catch (err) {
    showError(err);
  }
  await refresh();
}

function tagSelect(image, current) {
  const select = el('select', { className: 'tag', title: 'Tag of ' + image });
  select.append(el('option', { value: '' }, '—'));
  for (const t of tags) select.append(el('option', { value: String(t.id), selected: current && current.id === t.id }, t.name));
  select.addEventListener('change', () => act(async () => {
    if (select.value) await api('PUT', '/api/tag-assignments', { image, tag_id: Number(select.value) });
    else if (current) await api('DELETE', '/api/tag-assignments', { image, tag_id: current.id });
  }));
  return select;
}

function updateRow(image, u) {
  const status = u.event.status || '';
  const name = u.event.hub_link && /^https?:\/\//.test(u.event.hub_link)
    ? el('a', { href: u.event.hub_link, rel: 'noreferrer noopener', target: '_blank' }, image)
    : image;
  let seen;
  if (u.acknowledged) {
    seen = el('span', { className: 'seen-mark', title: u.acknowledged_at || '' }, '✓ seen');
  } else {
    seen = el('button', { className: 'ack', type: 'button' }, 'Acknowledge');
    seen.addEventListener('click', () => act(() => api('PATCH', '/api/updates/' + encodeURIComponent(image))));
  }
  const received = new Date(u.received_at);
  const row = el('tr', { className: u.acknowledged ? 'seen' : 'unseen' },
    el('td', { className: 'image' }, name),
    el('td', {}, el('span', { className: 'status ' + status }, status)),
    el('td', { title: u.received_at }, isNaN(received) ? u.received_at : received.toLocaleString()),
    el('td', {}, tagSelect(image, u.tag)),
    el('td', { className: 'seen' }, seen));
  row.dataset.image = image;
  return row;
}

function render(updates) {
  const entries = Object.entries(updates).sort((a, b) =>
    b[1].received_at.localeCompare(a[1].received_at) || a[0].localeCompare(b[0]));
  tbody.replaceChildren(...entries.map(([image, u]) => updateRow(image, u)));
  document.getElementById('no-updates').hidden = entries.length > 0;
  const unseen = entries.filter(([, u]) => !u.acknowledged).length;
  summary.textContent = `${entries.length} image${entries.length === 1 ? '' : 's'}, ${unseen} not seen yet`;

  tagList.replaceChildren(...tags.map((t) => {
    const del = el('button', { type: 'button', title: 'Delete tag ' + t.name }, '×');
    del.addEventListener('click', () => act(() => api('DELETE', '/api/tags/' + t.id)));
    const li = el('li', {}, t.name, del);
    li.dataset.tagId = String(t.id);
    return li;
  }));
}

async function refresh() {
  try {
    const [updates, tagRows] = await Promise.all([api('GET', '/api/updates'), api('GET', '/api/tags')]);
    tags = tagRows;
    render(updates);
    document.body.dataset.loaded = 'true';
  } catch (err) {
    showError(err);
  }
}

document.getElementById('new-tag').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = document.getElementById('tag-name');
  const name = input.value.trim();
  if (!name) return;
  act(async () => {
    await api('POST', '/api/tags', { name });
    input.value = '';
  });
});

refresh();
setInterval(refresh, 30000);
