/* cmt-product.c: Jira and Confluence, and their migration assistants' names, by one rule */
#include <glib/gi18n-lib.h>

#include "cmt-product.h"

CmtProduct
cmt_product_from_string (const char *product)
{
  if (g_strcmp0 (product, "jira") == 0)
    return CMT_PRODUCT_JIRA;
  if (g_strcmp0 (product, "confluence") == 0)
    return CMT_PRODUCT_CONFLUENCE;
  return CMT_PRODUCT_UNKNOWN;
}

static const char *
as_given (const char *product)
{
  return product != NULL ? product : "";
}

const char *
cmt_product_name (const char *product)
{
  switch (cmt_product_from_string (product))
    {
    case CMT_PRODUCT_JIRA:
      return "Jira";
    case CMT_PRODUCT_CONFLUENCE:
      return "Confluence";
    case CMT_PRODUCT_UNKNOWN:
    default:
      return as_given (product);
    }
}

const char *
cmt_assistant_short_name (const char *product)
{
  switch (cmt_product_from_string (product))
    {
    case CMT_PRODUCT_JIRA:
      return "JCMA";
    case CMT_PRODUCT_CONFLUENCE:
      return "CCMA";
    case CMT_PRODUCT_UNKNOWN:
    default:
      return as_given (product);
    }
}

const char *
cmt_assistant_name (const char *product)
{
  switch (cmt_product_from_string (product))
    {
    case CMT_PRODUCT_JIRA:
      /* Translators: Atlassian's product names; keep them as Atlassian's Japanese UI does. */
      return _("Jira Cloud Migration Assistant");
    case CMT_PRODUCT_CONFLUENCE:
      /* Translators: Atlassian's product names; keep them as Atlassian's Japanese UI does. */
      return _("Confluence Cloud Migration Assistant");
    case CMT_PRODUCT_UNKNOWN:
    default:
      return as_given (product);
    }
}
