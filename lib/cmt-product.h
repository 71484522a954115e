/* cmt-product.h: Jira and Confluence, and their migration assistants' names, by one rule */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CMT_PRODUCT_UNKNOWN,
  CMT_PRODUCT_JIRA,
  CMT_PRODUCT_CONFLUENCE,
} CmtProduct;

/* "jira", "confluence" (as on the bus); anything else is CMT_PRODUCT_UNKNOWN. */
CmtProduct  cmt_product_from_string   (const char *product);

/*
 * The rule for an unknown product (the service stores only the two, so it
 * means a newer service or a damaged file): show the string as it is, never
 * a guess. NULL gives "".
 */
/* "Jira", "Confluence": brand names, never translated. */
const char *cmt_product_name          (const char *product);
/* "JCMA", "CCMA": the assistants' own short names, never translated. */
const char *cmt_assistant_short_name  (const char *product);
/* "Jira Cloud Migration Assistant", "Confluence Cloud Migration Assistant", translated. */
const char *cmt_assistant_name        (const char *product);

G_END_DECLS
