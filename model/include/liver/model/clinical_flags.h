#pragma once
/// The clinical fields as command-line flags (`decide`, `analyze`; README "Clinical data and
/// `liverplan decide`"): their names and help texts, and the typed texts over clinical.json.

#include <liver/planning/clinical.h>

#include <map>
#include <string>
#include <vector>

namespace liver::model
{

/// One clinical field's flag.
struct ClinicalFlag
{
  std::string name; ///< "--primary"
  std::string help; ///< help text; empty for --height, --weight and --liver-condition, which the
                    ///< commands declare themselves (with their body options)
};

/// Every clinical field's flag, in the order they are applied and listed in the help.
std::vector<ClinicalFlag> clinicalFlags();

/// Flag name -> the text typed; an absent or empty text is "not given".
using ClinicalFlagValues = std::map<std::string, std::string>;

/// `clinical` with the given flags' values over it, checked with validateClinical.
/// std::invalid_argument naming the flag and its text ("--ecog: '2.5' is not an integer", "--ras:
/// unknown ..."), "clinical flags: " and validateClinical's message for an absurd value ("clinical
/// flags: ecog: 9 is outside 0..4"), or "unknown clinical flag" for a name clinicalFlags() does
/// not have.
Clinical applyClinicalFlags(Clinical clinical, const ClinicalFlagValues& flags);

/// clinical.json at `clinicalFile` (when not empty; loadClinicalFile's InputError) with the flags
/// over it (applyClinicalFlags).
Clinical resolveClinical(const std::string& clinicalFile, const ClinicalFlagValues& flags);

} // namespace liver::model
