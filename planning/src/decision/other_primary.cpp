/// A primary without rules of its own: only the general criteria and the expanders.

#include "context.h"

#include <algorithm>

namespace liver::decision
{

void otherPrimaryRules(Decider& d)
{
  const Clinical& c = d.k.c;
  Builder& b = d.b;
  d.out.category = d.techCategory();
  b.add("warning.other-primary",
        { RuleStatus::Applies,
          "no primary-specific rule in the seed guideline: only the general criteria applied",
          { { "primaryTumour", value(c.primaryTumour) } },
          {} });
  b.warn("warning.other-primary",
         "The seed guideline has no rule for this primary tumour: only the general candidacy "
         "criteria and the expanders were applied");
  d.techStrategies();
  if (d.out.category == CategorySystemicReassess)
    b.strategy("reassess", "Systemic therapy chosen by oncology, then re-assess at the MDT");
}

} // namespace liver::decision
