#pragma once
/// How the pipeline says what it is doing: a callback the front end gives (the CLI logs it to
/// stderr, a GUI shows a status line, a service records it). The pipeline never prints.

#include <functional>
#include <string>

namespace liver::pipeline
{

enum class ProgressLevel
{
  Step,   ///< what is being done or was decided (e.g. "contrast phase: portal-venous (...)")
  Warning ///< something the user should look at (import notes, QC reasons, plan warnings)
};

struct ProgressEvent
{
  ProgressLevel level = ProgressLevel::Step;
  std::string message;
};

/// May be empty (nothing is reported).
using ProgressCallback = std::function<void(const ProgressEvent&)>;

inline void reportStep(const ProgressCallback& progress, const std::string& message)
{
  if (progress)
    progress({ ProgressLevel::Step, message });
}

inline void reportWarning(const ProgressCallback& progress, const std::string& message)
{
  if (progress)
    progress({ ProgressLevel::Warning, message });
}

} // namespace liver::pipeline
