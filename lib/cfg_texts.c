/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: the keys that carry texts in several languages
 * and the webmail login form.
 *
 *	documentation = URL              (repeated: one link a line)
 *	documentation-text = [LANG: ]TEXT (repeated: for the link above)
 *	enable-url = URL                  (where IMAP is switched on first)
 *	enable-text = [LANG: ]TEXT        (repeated)
 *	webmail-login-url = URL           (autoconfig's loginPageInfo)
 *	webmail-login-username = TEMPLATE
 *	webmail-login-username-field = [id=ID] [name=NAME]
 *	webmail-login-password-field = [id=ID] [name=NAME]
 *	webmail-login-button = [id=ID] [name=NAME]
 *	setup-note = [CLIENT: ]TEXT       (repeated: the setup page's notes)
 *
 * LANG is a short language tag (RFC 5646: "de", "pt-BR"), "en" when the
 * line gives none.  Each group of keys is inherited from [defaults] as a
 * whole, and only when the provider sets none of its keys.  The arrays
 * live in the configuration's memory; nothing here renders.
 */

#include <stdio.h>
#include <string.h>

#include "cfg_int.h"

#define TX_STR_(x) #x
#define TX_STR(x) TX_STR_(x)

const char *const note_client_names[NOTE__MAX] = {
    [NOTE_ALL] = "",
    [NOTE_ANDROID] = "android",
    [NOTE_APPLE] = "apple",
    [NOTE_OUTLOOK] = "outlook",
    [NOTE_THUNDERBIRD] = "thunderbird",
    [NOTE_OTHER] = "other",
};

/* The default language of a text without a tag. */
static const char lang_en[] = "en";

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * If v starts with a language tag and ": " (or ":" and nothing), copy the tag
 * into lang (size bytes) and return the text after it; otherwise set lang to
 * "en" and return v.  A tag here is a primary subtag of two or three lower-case
 * letters and subtags of one to eight letters or digits joined by '-'
 * (the shape of RFC 5646 section 2.1, without its registry), at most
 * MAC_CFG_LANG_MAX bytes; so "FAQ: ..." or "Note: ..." stay text.
 */
const char *
lang_split(const char *v, char *lang, size_t size)
{
	size_t i = 0, sub;

	while (v[i] >= 'a' && v[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		goto none;
	while (v[i] == '-') {
		for (sub = 0; is_alnum(v[i + 1 + sub]); sub++)
			continue;
		if (sub < 1 || sub > 8)
			goto none;
		i += 1 + sub;
	}
	if (v[i] != ':' || (v[i + 1] != ' ' && v[i + 1] != '\0') ||
	    i > MAC_CFG_LANG_MAX || i >= size)
		goto none;
	memcpy(lang, v, i);
	lang[i] = '\0';
	return v + i + 1;
none:
	snprintf(lang, size, "%s", lang_en);
	return v;
}

/*
 * Check a text of at most max bytes as text_check() does, after the tag
 * (named so in errors) and spaces; report it on the current line.  Returns the
 * text in the pool, or NULL.
 */
static const char *
text_keep(struct pst *st, const struct keydef *kd, const char *v, const char *t,
    size_t max, const char *tag)
{
	char q[CFG_QUOTE_BUF];
	const char *why;
	size_t len = strlen(t);

	while (*t == ' ')
		t++, len--;
	if (len == 0) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': no text after the %s", kd->name,
		    quote(q, v, strlen(v)), tag);
		return NULL;
	}
	if (len > max) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': longer than %zu bytes", kd->name,
		    quote(q, v, strlen(v)), max);
		return NULL;
	}
	if ((why = text_check(t, len, max)) != NULL) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, strlen(v)), why);
		return NULL;
	}
	return pool_strndup(st, t, len);
}

/*
 * Add "[LANG: ]TEXT" to a list of texts (n of them, MAC_CFG_LANGS_MAX
 * at most), one text per language.  what names the list in errors.
 */
static void
text_add(struct pst *st, const struct keydef *kd, const char *v,
    struct cfg_text *list, size_t *n, const char *what)
{
	char lang[MAC_CFG_LANG_MAX + 1];
	const char *t, *l;
	size_t i;

	t = lang_split(v, lang, sizeof(lang));
	for (i = 0; i < *n; i++)
		if (ascii_caseeq(list[i].lang, strlen(list[i].lang), lang) &&
		    strlen(list[i].lang) == strlen(lang)) {
			cfg_err(st, st->name, st->lineno,
			    "%s: a second text in '%s' for %s", kd->name, lang,
			    what);
			return;
		}
	if (*n == MAC_CFG_LANGS_MAX) {
		cfg_err(st, st->name, st->lineno,
		    "%s: more than " TX_STR(MAC_CFG_LANGS_MAX) " texts for %s",
		    kd->name, what);
		return;
	}
	if ((t = text_keep(st, kd, v, t, kd->max, "language tag")) == NULL)
		return;
	l = strcmp(lang, lang_en) == 0 ? lang_en
				       : pool_strndup(st, lang, strlen(lang));
	if (l == NULL)
		return;
	list[*n].lang = l;
	list[*n].text = t;
	(*n)++;
}

/* The provider's documentation array, allocated on first use. */
static struct cfg_doc *
docs_get(struct pst *st, struct cfg_provider *p)
{
	if (p->docs == NULL)
		p->docs =
		    pool_zalloc(st, MAC_CFG_DOCS_MAX * sizeof(struct cfg_doc));
	return p->docs;
}

/*
 * documentation = URL: a new link, or the link of texts given above the
 * first documentation line.
 */
void
key_doc(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	const char *url;

	(void)m;
	if ((url = url_parse(st, kd, v)) == NULL || docs_get(st, p) == NULL)
		return;
	if (p->ndocs == 1 && p->docs[0].url == NULL) {
		p->docs[0].url = url;
		return;
	}
	if (p->ndocs == MAC_CFG_DOCS_MAX) {
		cfg_err(st, st->name, st->lineno,
		    "%s: more than " TX_STR(
			MAC_CFG_DOCS_MAX) " documentation links",
		    kd->name);
		return;
	}
	p->docs[p->ndocs++].url = url;
}

/*
 * documentation-text = [LANG: ]TEXT: a text of the documentation link
 * above it.  Texts above the first link wait for it; without one, the
 * provider is refused when it is completed (prov_texts_check()).
 */
void
key_doc_text(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	struct cfg_doc *d;

	(void)m;
	if (docs_get(st, p) == NULL)
		return;
	if (p->ndocs == 0)
		p->ndocs = 1; /* url NULL: waits for the link */
	d = &p->docs[p->ndocs - 1];
	text_add(st, kd, v, d->texts, &d->ntexts, "one documentation link");
}

void
key_enable_url(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	(void)m;
	p->enable_url = url_parse(st, kd, v);
}

void
key_enable_text(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	(void)m;
	if (p->enable == NULL &&
	    (p->enable = pool_zalloc(
		 st, MAC_CFG_LANGS_MAX * sizeof(struct cfg_text))) == NULL)
		return;
	text_add(st, kd, v, p->enable, &p->nenable, "the enable instruction");
}

/*
 * A login form field's id or name: printable ASCII but space and
 * "'<>&`, at most MAC_CFG_FIELD_MAX bytes.  Returns NULL or a reason.
 */
const char *
login_field_check(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "empty id or name";
	if (len > MAC_CFG_FIELD_MAX)
		return "id or name longer than " TX_STR(
		    MAC_CFG_FIELD_MAX) " bytes";
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("\"'<>&`", s[i]))
			return "id and name are printable ASCII but space and "
			       "\"'<>&`";
	return NULL;
}

/*
 * "[id=ID] [name=NAME]", at least one, each once, into *id and *name.
 */
static void
login_field(struct pst *st, const struct keydef *kd, const char *v,
    const char **id, const char **name)
{
	char q[CFG_QUOTE_BUF];
	const char *sp = v, *tok, *why = NULL, **to;
	size_t tlen, pre;

	while (why == NULL && tok_next(&sp, " \t", &tok, &tlen)) {
		if (tlen > 3 && memcmp(tok, "id=", 3) == 0) {
			to = id;
			pre = 3;
		} else if (tlen > 5 && memcmp(tok, "name=", 5) == 0) {
			to = name;
			pre = 5;
		} else {
			why = "not id=ID or name=NAME";
			break;
		}
		if (*to != NULL)
			why = pre == 3 ? "id twice" : "name twice";
		else if ((why = login_field_check(tok + pre, tlen - pre)) ==
			     NULL &&
			 (*to = pool_strndup(st, tok + pre, tlen - pre)) ==
			     NULL)
			return;
	}
	if (why != NULL)
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, strlen(v)), why);
}

/* The webmail-login-* keys. */
void
key_login(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	struct cfg_login *l;
	const char *why;

	(void)m;
	if (p->login == NULL &&
	    (p->login = pool_zalloc(st, sizeof(*p->login))) == NULL)
		return;
	l = p->login;
	switch (kd - key_table) {
	case KEY_LOGIN_URL:
		l->url = url_parse(st, kd, v);
		break;
	case KEY_LOGIN_USER:
		if ((why = user_check(v, strlen(v))) != NULL)
			cfg_err(st, st->name, st->lineno, "bad %s '%s': %s",
			    kd->name, quote(q, v, strlen(v)), why);
		else
			l->username = pool_strndup(st, v, strlen(v));
		break;
	case KEY_LOGIN_USER_FIELD:
		login_field(st, kd, v, &l->user_id, &l->user_name);
		break;
	case KEY_LOGIN_PASS_FIELD:
		login_field(st, kd, v, &l->pass_id, &l->pass_name);
		break;
	default:
		login_field(st, kd, v, &l->button_id, &l->button_name);
		break;
	}
}

/*
 * setup-note = [CLIENT: ]TEXT, CLIENT one of note_client_names[] in any
 * letter case; a note without one is for every client.
 */
void
key_setup_note(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	enum note_client c = NOTE_ALL;
	const char *t = v, *colon;
	size_t k, n;

	(void)m;
	if ((colon = strchr(v, ':')) != NULL &&
	    (colon[1] == ' ' || colon[1] == '\0'))
		for (k = 1; k < NOTE__MAX; k++) {
			n = strlen(note_client_names[k]);
			if ((size_t)(colon - v) == n &&
			    ascii_caseeq(v, n, note_client_names[k])) {
				c = (enum note_client)k;
				t = colon + 1;
				break;
			}
		}
	if (p->notes == NULL &&
	    (p->notes = pool_zalloc(
		 st, MAC_CFG_NOTES_MAX * sizeof(struct cfg_note))) == NULL)
		return;
	if (p->nnotes == MAC_CFG_NOTES_MAX) {
		cfg_err(st, st->name, st->lineno,
		    "%s: more than " TX_STR(MAC_CFG_NOTES_MAX) " notes",
		    kd->name);
		return;
	}
	if ((t = text_keep(st, kd, v, t, kd->max, "client's name")) == NULL)
		return;
	p->notes[p->nnotes].client = c;
	p->notes[p->nnotes++].text = t;
}

/* Whether the section set any key whose field is f. */
static int
group_set(const struct sec_meta *m, enum field f)
{
	size_t k;

	for (k = 0; k < KEY__MAX; k++)
		if (key_table[k].field == f && m->kline[k] != 0)
			return 1;
	return 0;
}

/*
 * Take each group of keys from [defaults] when the provider sets none of
 * its keys.  Runs before prov_resolve() copies the one-value keys.
 */
void
prov_texts_inherit(struct pst *st, struct cfg_provider *p,
    const struct sec_meta *m, const struct cfg_provider *dp,
    const struct sec_meta *dm)
{
	if (!st->have_def)
		return;
	if (!group_set(m, FIELD_DOCS) && group_set(dm, FIELD_DOCS)) {
		p->docs = dp->docs;
		p->ndocs = dp->ndocs;
	}
	if (!group_set(m, FIELD_ENABLE) && group_set(dm, FIELD_ENABLE)) {
		p->enable_url = dp->enable_url;
		p->enable = dp->enable;
		p->nenable = dp->nenable;
	}
	if (!group_set(m, FIELD_LOGIN) && group_set(dm, FIELD_LOGIN))
		p->login = dp->login;
	if (!group_set(m, FIELD_NOTES) && group_set(dm, FIELD_NOTES)) {
		p->notes = dp->notes;
		p->nnotes = dp->nnotes;
	}
}

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/*
 * The bytes of all these texts and URLs of p: at most MAC_CFG_TEXTS_MAX,
 * so that, escaped, they fit in an answer beside everything else.
 */
static size_t
texts_size(const struct cfg_provider *p)
{
	const struct cfg_login *l = p->login;
	size_t n = slen(p->enable_url), i, k;

	for (i = 0; i < p->ndocs; i++) {
		n += slen(p->docs[i].url);
		for (k = 0; k < p->docs[i].ntexts; k++)
			n += slen(p->docs[i].texts[k].lang) +
			     slen(p->docs[i].texts[k].text);
	}
	for (i = 0; i < p->nenable; i++)
		n += slen(p->enable[i].lang) + slen(p->enable[i].text);
	for (i = 0; i < p->nnotes; i++)
		n += slen(p->notes[i].text);
	if (l != NULL)
		n += slen(l->url) + slen(l->username) + slen(l->user_id) +
		     slen(l->user_name) + slen(l->pass_id) +
		     slen(l->pass_name) + slen(l->button_id) +
		     slen(l->button_name);
	return n;
}

/*
 * The rules that span these keys, checked when a provider is complete:
 * texts need their link, login details need the login page.  Fills in
 * the login form's default username.
 */
void
prov_texts_check(
    struct pst *st, const struct cfg_provider *p, const struct sec_meta *m)
{
	static const char default_user[] = "%EMAILADDRESS%";
	size_t n;

	if (p->ndocs > 0 && p->docs[0].url == NULL)
		cfg_err(st, st->name, m->line,
		    "provider %s has documentation-text but no documentation",
		    p->id);
	if (p->nenable > 0 && p->enable_url == NULL)
		cfg_err(st, st->name, m->line,
		    "provider %s has enable-text but no enable-url", p->id);
	if (p->login != NULL && p->login->url == NULL)
		cfg_err(st, st->name, m->line,
		    "provider %s has webmail-login-* keys but no "
		    "webmail-login-url",
		    p->id);
	if (p->login != NULL && p->login->username == NULL)
		p->login->username = default_user;
	if ((n = texts_size(p)) > MAC_CFG_TEXTS_MAX)
		cfg_err(st, st->name, m->line,
		    "provider %s: documentation, enable, webmail-login and "
		    "setup-note values add up to %zu bytes, more than " TX_STR(
			MAC_CFG_TEXTS_MAX),
		    p->id, n);
}
