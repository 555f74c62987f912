#include <liver/imaging/json_input.h>

#include <liver/imaging/errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_set>
#include <vector>

namespace liver
{
namespace
{

using Json = nlohmann::json;

/// A first pass over the text that builds nothing: refuses nesting deeper than MaxJsonDepth
/// before a value is built (a built value that deep is already a danger to copy), a key given
/// twice in one object (the DOM keeps the last without a word), and keeps where a syntax error
/// or a number out of range was found.
class Checker final : public nlohmann::json_sax<Json>
{
public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& key) override
  {
    Level& level = m_levels.back();
    if (!level.keys.insert(key).second)
    {
      m_duplicate = pathTo(key);
      return false;
    }
    level.key = key;
    return true;
  }

  bool parse_error(std::size_t position,
                   const std::string&,
                   const nlohmann::detail::exception& e) override
  {
    m_errorPosition = position;
    m_errorId = e.id;
    m_error = e.what();
    return false;
  }

  bool tooDeep() const { return m_tooDeep; }
  const std::string& duplicate() const { return m_duplicate; }
  bool failed() const { return !m_error.empty(); }
  int errorId() const { return m_errorId; }
  std::size_t errorPosition() const { return m_errorPosition; }
  const std::string& error() const { return m_error; }

private:
  struct Level
  {
    bool object = false;
    std::size_t count = 0; ///< values begun so far in an array
    std::string key;       ///< the key read last in an object
    std::unordered_set<std::string> keys;
  };

  bool value()
  {
    if (!m_levels.empty() && !m_levels.back().object)
      ++m_levels.back().count;
    return true;
  }

  bool open(bool object)
  {
    value();
    if (m_levels.size() >= static_cast<std::size_t>(MaxJsonDepth))
    {
      m_tooDeep = true;
      return false;
    }
    m_levels.push_back(Level{ object, 0, {}, {} });
    return true;
  }

  bool close()
  {
    m_levels.pop_back();
    return true;
  }

  /// "a.b[2].KEY": the members and elements open now, then `key` in the innermost object.
  std::string pathTo(const std::string& key) const
  {
    std::string path;
    for (std::size_t k = 0; k + 1 < m_levels.size(); ++k)
    {
      const Level& l = m_levels[k];
      if (l.object)
        path += (path.empty() ? "" : ".") + jsonKeyName(l.key);
      else
        path += "[" + std::to_string(l.count - 1) + "]";
    }
    return path + (path.empty() ? "" : ".") + jsonKeyName(key);
  }

  std::vector<Level> m_levels;
  bool m_tooDeep = false;
  std::string m_duplicate;
  std::string m_error;
  int m_errorId = 0;
  std::size_t m_errorPosition = 0;
};

/// "line L, column C" of byte `position` (counted as nlohmann does: the column is the number
/// of bytes read on that line).
std::string lineAndColumn(const std::string& text, std::size_t position)
{
  position = std::min(position, text.size());
  const auto begin = text.begin();
  const auto end = begin + static_cast<std::ptrdiff_t>(position);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(begin, end, '\n'));
  const std::size_t lineStart = text.rfind('\n', position == 0 ? 0 : position - 1);
  const std::size_t column =
    lineStart == std::string::npos || lineStart >= position ? position : position - lineStart - 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

/// nlohmann's parse error "[json.exception.parse_error.101] parse error at line 1, column 9:
/// syntax error while parsing value - invalid literal; last read: 'TOKEN'" as "line 1, column
/// 9: syntax error while parsing value - invalid literal": the token read is as long as the
/// file (an unterminated string) and holds its control characters.
std::string parseErrorReason(const std::string& what)
{
  const std::string at = "parse error at ";
  std::size_t start = 0;
  if (const std::size_t p = what.find(at); p != std::string::npos)
    start = p + at.size();
  else if (const std::size_t b = what.find("] "); b != std::string::npos)
    start = b + 2;
  const std::size_t end = what.find("; last read:", start);
  return what.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string sizeText(std::uintmax_t bytes)
{
  if (bytes % (std::uintmax_t(1) << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

} // namespace

Json parseJsonInput(const std::string& text, const std::string& where, const std::string& kind)
{
  const std::size_t bom = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  if (text.find_first_not_of(" \t\r\n", bom) == std::string::npos)
    throw InputError(where, "empty (not a " + kind + ")");
  Checker checker;
  Json::sax_parse(text, &checker);
  if (checker.tooDeep())
    throw InputError(
      where, "nested deeper than " + std::to_string(MaxJsonDepth) + " levels (not a " + kind + ")");
  if (!checker.duplicate().empty())
    throw InputError(where, checker.duplicate() + ": given twice");
  constexpr int NumberOverflow = 406; // nlohmann's out_of_range.406
  if (checker.failed() && checker.errorId() == NumberOverflow)
    throw InputError(where,
                     "not JSON (" + lineAndColumn(text, checker.errorPosition()) +
                       ": a number out of range)");
  if (checker.failed())
    throw InputError(where, "not JSON (" + parseErrorReason(checker.error()) + ")");
  try
  {
    return Json::parse(text);
  }
  catch (const Json::exception& e) // the first pass accepted it: not expected
  {
    throw InputError(where, "not JSON (" + parseErrorReason(e.what()) + ")");
  }
}

std::string readJsonInputFile(const std::string& path,
                              const std::string& kind,
                              std::uintmax_t maxBytes)
{
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(path, "is a folder, not a " + kind);
  const InputError tooLarge(path, "larger than " + sizeText(maxBytes) + " (not a " + kind + ")");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > maxBytes)
    throw tooLarge;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path,
                     "cannot read the " + kind +
                       (errno ? " (" + std::string(std::strerror(errno)) + ")" : ""));
  // Read in pieces up to the limit: a pipe or a device has no size to ask first.
  std::string text;
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
  {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > maxBytes)
      throw tooLarge;
  }
  if (in.bad())
    throw InputError(path, "cannot read the " + kind);
  return text;
}

Json loadJsonInput(const std::string& path, const std::string& kind, std::uintmax_t maxBytes)
{
  return parseJsonInput(readJsonInputFile(path, kind, maxBytes), path, kind);
}

std::string jsonExcerpt(const Json& value)
{
  constexpr std::size_t MaxBytes = 64;
  // ASCII only (other characters as \uXXXX): a cut never splits a character.
  std::string text = value.dump(-1, ' ', true, Json::error_handler_t::replace);
  if (text.size() > MaxBytes)
    text = text.substr(0, MaxBytes) + "...";
  return text;
}

std::string messageText(const std::string& text)
{
  constexpr std::size_t MaxBytes = 64;
  const bool plain =
    text.size() <= MaxBytes &&
    std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (plain)
    return text;
  std::string escaped = Json(text).dump(-1, ' ', true, Json::error_handler_t::replace);
  escaped = escaped.substr(1, escaped.size() - 2); // without the quotes
  return escaped.size() > MaxBytes ? escaped.substr(0, MaxBytes) + "..." : escaped;
}

std::string jsonKeyName(const std::string& key)
{
  const bool plain = !key.empty() && key.size() <= 64 &&
                     std::all_of(key.begin(),
                                 key.end(),
                                 [](char c)
                                 {
                                   return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                          (c >= '0' && c <= '9') || c == '_' || c == '-';
                                 });
  return plain ? key : jsonExcerpt(Json(key));
}

} // namespace liver
