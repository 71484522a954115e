/* cmt-manual-steps.c: the Atlassian KB article's manual renewal steps, per product */
#include <glib/gi18n.h>

#include "cmt-flows.h"
#include "cmt-manual-steps.h"

/* From "How It Works" on, both assistants share the article's steps. */
static void
add_cloud_steps (GPtrArray  *steps,
                 const char *site_display)
{
  /* Translators: a step of Atlassian's KB article. Words in <b></b> are
   * Atlassian's UI labels: use the names the Japanese UI shows (the article
   * keeps some in English, e.g. [Connect to cloud]). */
  g_ptr_array_add (steps, g_strdup (_("The next screen reads <b>How it works</b>. Click <b>Connect to cloud</b> in the action bar at the bottom.")));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI labels. */
  g_ptr_array_add (steps, g_strdup (_("Click <b>Choose cloud site</b>, below the <b>Choose your destination cloud site</b> dropdown menu.")));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI labels
   * (the Japanese article: [Choose your cloud destination] ポップアップで [Continue] をクリックします。). */
  g_ptr_array_add (steps, g_strdup (_("In the <b>Choose your cloud destination</b> pop-up, click <b>Continue</b>.")));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI labels. */
  g_ptr_array_add (steps, g_strdup (_("To log in as another user, for example one with other site or organization admin rights: click <b>Change account</b>, enter that user’s credentials, and go on to choosing the cloud site.")));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI
   * labels; %1$s is the cloud site, e.g. acme.atlassian.net. */
  g_ptr_array_add (steps, g_markup_printf_escaped (_("To renew the token as the same user: choose the cloud site <b>%1$s</b> just below the <b>Migrate to</b> dropdown menu."),
                                                   site_display));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI labels. */
  g_ptr_array_add (steps, g_strdup (_("Check the <b>Allow Atlassian to access migrations data</b> box.")));
  /* Translators: a step of Atlassian's KB article; <b></b>: Atlassian's UI labels. */
  g_ptr_array_add (steps, g_strdup (_("Click <b>Confirm</b>.")));
}

GStrv
cmt_manual_steps_new (const char *product,
                      const char *site_display)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_free);

  if (cmt_flows_product_is_jira (product))
    {
      /* Translators: a step of Atlassian's KB article (JCMA); <b></b>: Jira's menu names. */
      g_ptr_array_add (steps, g_strdup (_("In Jira Server or Data Center, go to <b>Settings &gt; System</b>.")));
      /* Translators: a step of Atlassian's KB article (JCMA); <b></b>: Jira's UI labels
       * (the Japanese article: 左側のパネルで [インポートとエクスポート] カテゴリを探して、[クラウドに移行] を選択します。). */
      g_ptr_array_add (steps, g_strdup (_("In the left panel, find the <b>Import and Export</b> category and select <b>Migrate to cloud</b>. The Migration Assistant home screen opens.")));
      /* Translators: a step of Atlassian's KB article (JCMA); <b></b>: Atlassian's UI labels. */
      g_ptr_array_add (steps, g_strdup (_("Click <b>Create a migration</b> in the <b>Migrate your data</b> section of the Migration Assistant home screen.")));
    }
  else
    {
      /* Translators: a step of Atlassian's KB article (CCMA); <b></b>: Confluence's menu names. */
      g_ptr_array_add (steps, g_strdup (_("In Confluence Server or Data Center, go to <b>Confluence Administration &gt; General Configuration</b>.")));
      /* Translators: a step of Atlassian's KB article (CCMA); <b></b>: Confluence's UI labels. */
      g_ptr_array_add (steps, g_strdup (_("Find the <b>Atlassian Cloud</b> category and select <b>Migration Assistant</b>.")));
      /* Translators: a step of Atlassian's KB article (CCMA); <b></b>: Atlassian's UI labels. */
      g_ptr_array_add (steps, g_strdup (_("Click the <b>Migrate your data</b> section of the Migration Assistant home screen.")));
      /* Translators: a step of Atlassian's KB article (CCMA); <b></b>: Atlassian's UI labels. */
      g_ptr_array_add (steps, g_strdup (_("Click <b>Create new migration</b> on the next screen.")));
    }
  add_cloud_steps (steps, site_display);
  g_ptr_array_add (steps, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&steps), FALSE);
}
