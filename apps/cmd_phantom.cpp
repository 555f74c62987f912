#include "cli_common.h"

#include <CLI/CLI.hpp>

namespace liver::cli
{
void registerPhantom(CLI::App& app, int& exitCode)
{
  (void)app;
  (void)exitCode;
}
} // namespace liver::cli
