"""The chat page's stylesheet and the one script its transcript runs.

The script only adds comfort; every interaction (citations, sources, copy excepted) works
without it: hover opens a marker's source, the copy button copies an answer as plain text,
and the newest question and answer scroll into view when a turn is added or finished.
"""

PAGE_JS = """
// Hover opens a marker's source after a short pause; clicks work without any of this.
let timer = null;
element.addEventListener('mouseover', (e) => {
  const b = e.target.closest && e.target.closest('button.nx-cite');
  if (!b) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    const p = document.getElementById(b.getAttribute('popovertarget'));
    if (p && !p.matches(':popover-open')) { try { p.showPopover(); } catch (err) {} }
  }, 400);
});
element.addEventListener('mouseout', (e) => {
  if (e.target.closest && e.target.closest('button.nx-cite')) clearTimeout(timer);
});
element.addEventListener('toggle', (e) => {
  if (e.newState !== 'open') return;
  const body = e.target.querySelector('.nx-pop-body');
  const mark = body && body.querySelector('mark');
  if (mark) body.scrollTop = Math.max(0, mark.offsetTop - body.offsetTop - body.clientHeight / 3);
}, true);

// Copy an answer (its text and sources, as plain text) from its Copy button.
element.addEventListener('click', async (e) => {
  const b = e.target.closest && e.target.closest('button.nx-copy');
  if (!b) return;
  const source = b.closest('.nx-a').querySelector('.nx-copy-text');
  const text = source ? source.textContent : '';
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {  // no clipboard API (plain http off loopback): the old way
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  b.textContent = 'Copied';
  setTimeout(() => { b.textContent = 'Copy'; }, 1500);
});

// The newest question and its answer come into view when a turn is added, finished or
// replaced. Nothing else moves the transcript, so reading an older answer (or opening its
// sources) is left alone while nothing new arrives.
let seen = '';
const scroller = (from) => {
  for (let e = from; e && e !== document.body; e = e.parentElement) {
    const y = getComputedStyle(e).overflowY;
    if ((y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight) return e;
  }
  return null;
};
const reveal = () => {
  const turns = element.querySelectorAll('.nx-turn');
  const last = turns[turns.length - 1];
  const a = last && last.querySelector('.nx-a');
  const q = last && last.querySelector('.nx-q-text');
  const key = [turns.length, a ? a.dataset.state : '', q ? q.textContent : ''].join('|');
  if (key === seen) return;
  seen = key;
  const box = last && scroller(last.parentElement);
  if (!box) return;
  const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  box.scrollTop = Math.min(Math.max(0, top - 8), box.scrollHeight - box.clientHeight);
};
new MutationObserver(reveal).observe(element, { childList: true, subtree: true, characterData: true });
"""

CSS = """
.nx-header { display:flex; align-items:center; justify-content:space-between; flex-wrap:wrap; gap:8px; }
.nx-header h1 { font-size:1.35rem; margin:0; font-weight:650; letter-spacing:-0.01em; }
.nx-header .nx-sub { color:var(--body-text-color-subdued); font-size:0.9rem; }
.nx-status { display:flex; gap:8px; flex-wrap:wrap; }
.nx-pill { border:1px solid var(--border-color-primary); border-radius:999px; padding:3px 10px;
  font-size:0.85rem; background:var(--background-fill-secondary); white-space:nowrap;
  max-width:100%; overflow:hidden; text-overflow:ellipsis; }
/* A phone: title above the pills, each pill one line (a wrapped pill is an odd oval). */
@media (max-width: 640px) {
  .nx-header { flex-direction:column; align-items:stretch; gap:4px; }
  .nx-header > * { width:100%; min-width:0 !important; flex:none !important; }
  .nx-status { gap:6px; }
  .nx-pill { font-size:0.8rem; padding:2px 8px; }
}
.nx-k { color:var(--body-text-color-subdued); font-size:0.8rem; text-transform:uppercase;
  letter-spacing:0.04em; margin-right:4px; }
.nx-conv { display:flex; flex-direction:column; gap:18px; padding:6px 4px 12px; }
.nx-empty { align-items:flex-start; color:var(--body-text-color-subdued); padding:28px 8px; line-height:1.6; }
.nx-empty-title { font-size:1.1rem; font-weight:600; color:var(--body-text-color); }
.nx-turn { display:flex; flex-direction:column; gap:8px; }
.nx-q { align-self:flex-end; max-width:85%; background:var(--color-accent-soft);
  border-radius:14px 14px 4px 14px; padding:8px 14px; }
.nx-who { font-size:0.72rem; text-transform:uppercase; letter-spacing:0.05em;
  color:var(--body-text-color-subdued); }
.nx-a { border:1px solid var(--border-color-primary); border-radius:4px 14px 14px 14px;
  padding:12px 16px; background:var(--background-fill-primary); max-width:95%; line-height:1.6; }
.nx-a-head { display:flex; gap:8px; align-items:center; margin-bottom:4px; }
.nx-a-engine { color:var(--body-text-color-subdued); font-size:0.8rem; flex:1; }
.nx-copy { border:1px solid var(--border-color-primary); background:var(--background-fill-secondary);
  color:var(--body-text-color-subdued); border-radius:6px; font-size:0.75rem; padding:0 8px;
  cursor:pointer; }
.nx-copy:hover, .nx-copy:focus-visible { color:var(--body-text-color); }
.nx-untitled { font-style:italic; color:var(--body-text-color-subdued); }
.nx-pop-gap { text-align:center; color:var(--body-text-color-subdued); margin:8px 0; }
#nx-turn-actions { gap:6px; }
#nx-turn-actions button { flex:none; min-width:0; }
.nx-badge { font-size:0.72rem; font-weight:600; text-transform:uppercase; letter-spacing:0.05em;
  color:#1d4ed8; background:#dbeafe; border-radius:6px; padding:1px 7px; }
.nx-badge-abstain { color:#92400e; background:#fef3c7; }
.nx-badge-error { color:#991b1b; background:#fee2e2; }
.nx-abstain { background:#fffbeb; color:#1f2937; border-color:#f59e0b; border-left-width:4px; }
.nx-error { background:#fef2f2; color:#1f2937; border-color:#ef4444; border-left-width:4px; }
.nx-pending .nx-a-text { color:var(--body-text-color-subdued); }
.nx-caret { display:inline-block; width:7px; height:1em; margin-left:2px; vertical-align:text-bottom;
  background:currentColor; animation:nx-blink 1s steps(2) infinite; }
@keyframes nx-blink { 50% { opacity:0; } }
.nx-para-break { display:block; height:0.6em; }
button.nx-cite, span.nx-cite { display:inline-block; min-width:1.5em; padding:0 5px; margin:0 1px;
  font-size:0.75rem; line-height:1.4; font-weight:600; vertical-align:super; cursor:pointer;
  border-radius:6px; border:1px solid #93c5fd; background:#eff6ff; color:#1d4ed8; }
button.nx-cite:hover, button.nx-cite:focus-visible { background:#1d4ed8; color:#fff; }
.nx-sources { margin-top:10px; padding-top:8px; border-top:1px dashed var(--border-color-primary); }
.nx-sources ol { list-style:none; margin:4px 0 0; padding:0; font-size:0.88rem; }
.nx-sources li { margin:2px 0; }
.nx-src-btn { border:none; background:none; color:#1d4ed8; font-weight:600; cursor:pointer; padding:0; }
.nx-note { margin-top:8px; font-size:0.85rem; color:#92400e; background:#fffbeb;
  border-radius:6px; padding:4px 8px; }
.nx-searched { margin-top:8px; font-size:0.85rem; color:var(--body-text-color-subdued); }
.nx-searched summary { cursor:pointer; }
.nx-searched-body { padding:4px 0 0 14px; display:flex; flex-direction:column; gap:2px; }
.nx-muted { color:var(--body-text-color-subdued); }
.nx-pop { position:fixed; inset:72px 24px auto auto; margin:0; width:min(560px, calc(100vw - 48px));
  max-height:calc(100vh - 110px); display:none; flex-direction:column; padding:0;
  border:1px solid var(--border-color-primary); border-radius:12px;
  background:var(--background-fill-primary); color:var(--body-text-color);
  box-shadow:0 18px 50px rgba(15,23,42,0.25); }
.nx-pop:popover-open { display:flex; }
.nx-pop-head { display:flex; gap:8px; align-items:flex-start; padding:12px 14px 4px; }
.nx-pop-n { color:#1d4ed8; font-weight:700; }
.nx-pop-title { font-weight:600; flex:1; }
.nx-pop-close { border:none; background:none; font-size:1.3rem; line-height:1; cursor:pointer;
  color:var(--body-text-color-subdued); }
.nx-pop-meta { padding:0 14px 8px 14px; font-size:0.85rem; color:var(--body-text-color-subdued);
  border-bottom:1px solid var(--border-color-primary); }
.nx-pop-meta a { color:#1d4ed8; }
.nx-pop-body { padding:10px 14px 14px; overflow:auto; line-height:1.65; font-size:0.93rem; }
mark.nx-quote { background:#fde68a; color:#111827; padding:1px 2px; border-radius:3px; }
#nx-transcript { border:1px solid var(--border-color-primary); border-radius:12px; padding:8px 12px;
  background:var(--background-fill-secondary); }
.nx-examples button { font-size:0.85rem !important; }
#nx-articles table.nx-table { width:100%; border-collapse:collapse; font-size:0.9rem; margin-top:6px;
  border:none; }
#nx-articles .nx-table tr { border:none; }
#nx-articles .nx-table th, #nx-articles .nx-table td { border:none;
  border-bottom:1px solid var(--border-color-primary); padding:6px 8px; vertical-align:top;
  text-align:left; background:none; }
#nx-articles .nx-table th { font-weight:600; border-bottom-width:2px; }
#nx-articles .nx-table .nx-num { text-align:right; }
#nx-articles .nx-table .nx-date { white-space:nowrap; }
#nx-articles .nx-table .nx-id { color:var(--body-text-color-subdued); font-family:var(--font-mono);
  font-size:0.8rem; word-break:break-all; }
"""
