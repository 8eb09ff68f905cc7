"use strict";
// The Node side's one page. Its markup mirrors demo/templates/django_page.html, so that one
// stylesheet (demo/public/demo.css) serves both sides and they read as one product.

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function formatExpiry(iso) {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** One side's decode of the session: `{ title, view }` or `{ title, problem }`. */
function panel(id, { title, view, problem }) {
  if (problem) {
    return `<article class="panel" id="${id}"><h3>${escape(title)}</h3><p class="problem">${escape(problem)}</p></article>`;
  }
  const expiry = view.expireDate
    ? `<dt>Row expires</dt><dd class="expiry">${escape(formatExpiry(view.expireDate))}</dd>`
    : `<dt>Row</dt><dd>none yet: nothing is stored until the session changes</dd>`;
  return `<article class="panel" id="${id}"><h3>${escape(title)}</h3>
<dl><dt>User</dt><dd class="panel-user">${escape(view.user ?? "anonymous")}</dd>${expiry}</dl>
<pre class="session-data">${escape(JSON.stringify(view.data, null, 2))}</pre></article>`;
}

function account({ user, error }) {
  if (user) {
    return `<p class="who">Signed in as <strong id="user">${escape(user)}</strong></p>
<form method="post" action="/logout"><button class="secondary" id="logout">Log out on Node</button></form>`;
  }
  return `<p class="who">Not signed in (<strong id="user">anonymous</strong>)</p>
<form class="login" method="post" action="/login">
<label>Username <input name="username" id="username" value="demo" autocomplete="username" required></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password" placeholder="demo-password" required></label>
${error ? `<p class="error" id="error" role="alert">${escape(error)}</p>` : ""}
<button id="login">Log in on Node</button>
<p class="hint">demo / demo-password</p>
</form>`;
}

/**
 * `user`: the logged-in username or null; `counter`; `node`/`django`: the two panels;
 * `djangoUrl`: null when the Django side is not running.
 */
function nodePage({ user, counter, error, node, django, nodeUrl, djangoUrl }) {
  const djangoLink = djangoUrl
    ? `<a class="side" id="django-link" href="${escape(djangoUrl)}/">Django side</a>`
    : `<span class="side off" title="not running">Django side</span>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Node side · django-session demo</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body class="node">
<header class="topbar">
<span class="brand">django-session <span>demo</span></span>
<nav class="sides"><a class="side current" id="node-link" href="${escape(nodeUrl)}/">Node side</a>${djangoLink}</nav>
</header>
<main>
<section class="intro">
<p class="eyebrow">You are on the Node side</p>
<h1>Fastify + django-session</h1>
<p>One <code>sessionid</code> cookie, one row in Django's <code>django_session</code>: log in or count here, and the Django side sees it.</p>
</section>
<div class="cards">
<section class="card"><h2>Account</h2>${account({ user, error })}</section>
<section class="card"><h2>Counter</h2>
<p class="counter" id="counter">${escape(counter)}</p>
<form method="post" action="/counter"><button id="increment">+1 on Node</button></form>
<p class="hint">Both sides add to the same session key, <code>counter</code>.</p></section>
</div>
<section class="decoded"><h2>The session, decoded by each side</h2>
<div class="columns">${panel("node-view", node)}${panel("django-view", django)}</div>
</section>
</main>
</body>
</html>
`;
}

module.exports = { nodePage };
