#pragma once
/// Error types: bad input data (a file or field that cannot be used as given).

#include <stdexcept>
#include <string>

namespace liver
{

/// Bad input data: a file that cannot be read or a field whose value cannot be used.
/// The message names the file, the field and the value.
class InputError : public std::runtime_error
{
public:
  InputError(const std::string& file, const std::string& problem)
    : std::runtime_error(file.empty() ? problem : file + ": " + problem)
    , m_file(file)
  {
  }
  const std::string& file() const { return m_file; }

private:
  std::string m_file;
};

/// A processing step that could not produce a valid result from valid input.
class ProcessingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// An output file or folder that could not be written.
class OutputError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

} // namespace liver
