"use strict";
// A deterministic ~8 KB nested session: a cart, preferences, history and flash messages.
module.exports = function largeSession() {
  const items = [];
  for (let i = 0; i < 56; i++) {
    items.push({ sku: `SKU-${1000 + i}`, name: `Article numéro ${i}`, qty: (i % 5) + 1, price: Math.round((i * 7.31 + 3) * 100) / 100, tags: ["a", "b", i % 2 ? "sale" : "new"] });
  }
  const history = [];
  for (let i = 0; i < 40; i++) history.push({ path: `/catalogue/category-${i}/page/${i * 3}`, at: 1700000000 + i * 61 });
  return {
    _auth_user_id: "12345",
    _auth_user_backend: "django.contrib.auth.backends.ModelBackend",
    _auth_user_hash: "42f6ed040a61b12a1916bb39d6830a34f77b46e9e8dc182a1d3a930b178d1845",
    cart: { currency: "EUR", items },
    preferences: { theme: "dark", language: "fr", notifications: { email: true, sms: false }, emoji: "🐍" },
    history,
    _messages: "[[\"__json_message\",0,25,\"Bienvenue à nouveau !\"]]",
  };
};
