/* identity-int.h: declarations shared by the identity and token files. */
#ifndef AZKV_IDENTITY_INT_H
#define AZKV_IDENTITY_INT_H

#include <time.h>

#include "azkv-int.h"

#define IDENTITY_URL_MAX	2048

/* Managed-identity sources, in the SDKs' detection order. */
enum idsrc {
	IDSRC_SERVICEFABRIC,
	IDSRC_APPSERVICE,
	IDSRC_ARC,
	IDSRC_AZUREML,
	IDSRC_CLOUDSHELL,
	IDSRC_WORKLOAD,
	IDSRC_IMDS,
	IDSRC_COUNT
};

/* How the "identity" setting selects an identity. */
enum idsel_kind {
	IDSEL_SYSTEM,
	IDSEL_CLIENT,	/* bare GUID or id://GUID */
	IDSEL_OBJECT,	/* object://GUID */
	IDSEL_RESOURCE,	/* resource://ARM-ID */
};

struct idsel {
	enum idsel_kind	 kind;
	const char	*value;		/* borrowed; NULL for system */
};

/* One usable source: where to ask and what to send. */
struct idplan {
	enum idsrc	 src;
	const char	*name;		/* "imds", ... */
	char		 reason[192];
	char		 endpoint[IDENTITY_URL_MAX];
	struct idsel	 sel;
	const char	*param;		/* query/form name for sel, or NULL */
	const char	*client_id;	/* workload / azureml client id */
	const char	*secret_header;	/* header name for the endpoint secret */
	const char	*secret;	/* borrowed from ctx->env */
	const char	*thumbprint;	/* Service Fabric */
	const char	*token_file;	/* workload identity */
};

/*
 * Parse an identity selector: NULL/"system", a GUID, id://GUID,
 * object://GUID, resource://ARM-ID. 0 or AZKV_ERR_USAGE (text in ctx).
 */
int	 idsel_parse(struct azkv *ctx, const char *s, struct idsel *out);
/* 1 when s is a GUID (8-4-4-4-12 hex digits), else 0. */
int	 guid_valid(const char *s);
/* Source index for a name ("imds"...), or -1. */
int	 idsrc_from_name(const char *name);
const char *idsrc_name(enum idsrc src);
/* The source the environment selects, with its reason (never fails). */
enum idsrc idsrc_detect(const struct azkv *ctx, char *reason, size_t len);
/*
 * Build the plan for src: AZKV_ERR_NOIDENTITY when its variables are
 * missing, AZKV_ERR_USAGE when the identity cannot be selected there.
 */
int	 idplan_make(struct azkv *ctx, enum idsrc src, const char *reason,
	    struct idplan *plan);
/*
 * Plans for the "identity.source" list ("auto" = detection), in order;
 * *n may be 0 with the first failure's code returned.
 */
int	 idplan_list(struct azkv *ctx, struct idplan *plans, size_t max,
	    size_t *n);
/* Request a token from one source, applying the retry policy. */
int	 idplan_fetch(struct azkv *ctx, const struct idplan *plan,
	    const char *resource, struct azkv_token **out);
/* resource without a trailing "/.default", as an allocated string. */
char	*resource_normalize(const char *resource);

/* token.c */
/* token_parse with a reason (never any body bytes) on failure. */
int	 token_parse_reason(const char *body, size_t len, time_t now,
	    struct azkv_token **out, char *why, size_t whylen);
/* Parse an expires_on date (RFC 3339, RFC 1123, App Service). 0 or -1. */
int	 token_date_parse(const char *s, time_t *out);
/* Deep copy (without the decoded claims). 0 or AZKV_ERR_NOMEM. */
int	 token_dup(const struct azkv_token *tok, struct azkv_token **out);
/* New token owning copies of the strings. */
struct azkv_token *token_new(const char *value, time_t expires_on,
	    time_t refresh_on, const char *resource, const char *source);

#endif /* AZKV_IDENTITY_INT_H */
