/*
 * evo_autoconfig: Evolution's own account lookup, as its "New Mail Account"
 * assistant runs it, for one address; prints what Evolution concluded.
 *
 * Built at test time by run.sh against Debian's evolution-dev (never part
 * of the CMake build):
 *   cc evo_autoconfig.c $(pkg-config --cflags --libs evolution-mail-3.0)
 *
 * usage: evo_autoconfig ADDRESS   (needs a D-Bus session bus on which
 *                                  evolution-source-registry can be activated)
 *
 * EMailAutoconfig fetches https://autoconfig.<domain>/mail/config-v1.1.xml,
 * then the http:// twin, then the .well-known pair, then Thunderbird's
 * ISPDB.  Its results then go the way of the "New Mail Account" assistant:
 * copied into an EConfigLookup, each result configuring a fresh ESource
 * (e_config_lookup_result_configure_source); the CamelSettings Evolution
 * would save are printed, one key=value per line:
 *
 *   result=ok | result=error
 *   error=MESSAGE                       (result=error only)
 *   imap=none | imap.host= imap.port= imap.security= imap.auth= imap.user=
 *   pop3...   | smtp...                 (the same keys)
 *
 * security is the nick of CamelNetworkSecurityMethod: none,
 * ssl-on-alternate-port (socketType SSL) or starttls-on-standard-port
 * (socketType STARTTLS).  auth is the Camel mechanism, empty for none
 * (IMAP LOGIN / POP3 USER).  Exit status: 0 ok, 1 lookup error, 2 setup.
 */
#include <stdio.h>
#include <stdlib.h>

#include <camel/camel.h>
#include <libedataserver/libedataserver.h>
#include <mail/e-mail-autoconfig.h>

static const char *
security_nick(CamelNetworkSecurityMethod m)
{
	GEnumClass *klass =
	    g_type_class_ref(CAMEL_TYPE_NETWORK_SECURITY_METHOD);
	GEnumValue *v = g_enum_get_value(klass, m);
	const char *nick = v != NULL ? v->value_nick : "unknown";

	g_type_class_unref(klass);
	return nick;
}

/* One line per value; a newline inside a value would break the format. */
static void
print_value(const char *key, const char *value)
{
	const char *p;

	printf("%s=", key);
	for (p = value != NULL ? value : ""; *p != '\0'; p++)
		putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
	putchar('\n');
}

/*
 * What the assistant does with a result: its lookup page copies
 * EMailAutoconfig's results into an EConfigLookup, and the chosen result
 * configures the account's ESource.
 */
static void
show(EConfigLookup *lookup, const char *key_prefix,
    EConfigLookupResultKind kind, const char *protocol,
    const char *extension_name)
{
	GSList *results;
	ESource *source;
	ESourceBackend *backend;
	ESourceCamel *camel_ext;
	CamelSettings *settings;
	CamelNetworkSecurityMethod method = CAMEL_NETWORK_SECURITY_METHOD_NONE;
	char *host = NULL, *user = NULL, *auth = NULL, key[32];
	guint port = 0;
	GError *error = NULL;

	results = e_config_lookup_dup_results(lookup, kind, protocol);
	if (results == NULL) {
		printf("%s=none\n", key_prefix);
		return;
	}
	source = e_source_new(NULL, NULL, &error);
	if (source == NULL) {
		printf("%s=error %s\n", key_prefix, error->message);
		g_clear_error(&error);
		g_slist_free_full(results, g_object_unref);
		return;
	}
	/* The account's source has the extension, its backend not yet set. */
	backend = e_source_get_extension(source, extension_name);
	if (!e_config_lookup_result_configure_source(
		results->data, lookup, source)) {
		printf("%s=not-applied\n", key_prefix);
		goto out;
	}
	camel_ext = e_source_get_extension(
	    source, e_source_camel_get_extension_name(
			e_source_backend_get_backend_name(backend)));
	settings = e_source_camel_get_settings(camel_ext);
	g_object_get(settings, "host", &host, "port", &port, "user", &user,
	    "auth-mechanism", &auth, "security-method", &method, NULL);

	g_snprintf(key, sizeof key, "%s.host", key_prefix);
	print_value(key, host);
	printf("%s.port=%u\n", key_prefix, port);
	printf("%s.security=%s\n", key_prefix, security_nick(method));
	g_snprintf(key, sizeof key, "%s.auth", key_prefix);
	print_value(key, auth);
	g_snprintf(key, sizeof key, "%s.user", key_prefix);
	print_value(key, user);

	g_free(host);
	g_free(user);
	g_free(auth);
out:
	g_object_unref(source);
	g_slist_free_full(results, g_object_unref);
}

int
main(int argc, char **argv)
{
	ESourceRegistry *registry;
	EMailAutoconfig *ac;
	EConfigLookup *lookup;
	GError *error = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
		return 2;
	}

	registry = e_source_registry_new_sync(NULL, &error);
	if (registry == NULL) {
		printf("result=setup-error\n");
		print_value("error", error->message);
		return 2;
	}
	/* As Evolution's main() does: the Camel backends' settings types. */
	e_source_camel_register_types();

	ac = e_mail_autoconfig_new_sync(registry, argv[1], NULL, NULL, &error);
	if (ac == NULL) {
		printf("result=error\n");
		print_value("error", error != NULL ? error->message : "(none)");
		g_clear_error(&error);
		g_object_unref(registry);
		return 1;
	}

	printf("result=ok\n");
	lookup = e_config_lookup_new(registry);
	e_mail_autoconfig_copy_results_to_config_lookup(ac, lookup);
	show(lookup, "imap", E_CONFIG_LOOKUP_RESULT_MAIL_RECEIVE, "imapx",
	    E_SOURCE_EXTENSION_MAIL_ACCOUNT);
	show(lookup, "pop3", E_CONFIG_LOOKUP_RESULT_MAIL_RECEIVE, "pop",
	    E_SOURCE_EXTENSION_MAIL_ACCOUNT);
	show(lookup, "smtp", E_CONFIG_LOOKUP_RESULT_MAIL_SEND, "smtp",
	    E_SOURCE_EXTENSION_MAIL_TRANSPORT);
	fflush(stdout);

	g_object_unref(lookup);
	g_object_unref(ac);
	g_object_unref(registry);
	return 0;
}
