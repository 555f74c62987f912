#pragma once
/// Reading JSON fields with errors that name the file and the JSON path (model internals).

#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace liver::model::detail
{

using Json = nlohmann::json;

/// Reads fields of one document; every error is an InputError "FILE: PATH.KEY: problem".
class Fields
{
public:
  explicit Fields(std::string file)
    : m_file(std::move(file))
  {
  }

  const std::string& file() const { return m_file; }

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const
  {
    throw InputError(m_file, path + problem);
  }

  static bool has(const Json& j, const std::string& key)
  {
    return j.is_object() && j.contains(key) && !j.at(key).is_null();
  }

  const Json& at(const Json& j, const std::string& key, const std::string& path) const
  {
    if (!j.is_object() || !j.contains(key))
      fail(path, key + ": missing (not a result.json of analyze/plan?)");
    return j.at(key);
  }

  double number(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_number())
      fail(path, key + ": must be a number, not " + std::string(v.type_name()));
    return v.get<double>();
  }

  std::optional<double> optionalNumber(const Json& j,
                                       const std::string& key,
                                       const std::string& path) const
  {
    if (!has(j, key))
      return std::nullopt;
    return number(j, key, path);
  }

  double numberOr(const Json& j, const std::string& key, const std::string& path, double d) const
  {
    return optionalNumber(j, key, path).value_or(d);
  }

  /// A non-negative integer of at most `max` (0 when absent).
  std::uint64_t count(const Json& j,
                      const std::string& key,
                      const std::string& path,
                      std::uint64_t max = std::numeric_limits<std::int64_t>::max()) const
  {
    if (!has(j, key))
      return 0;
    const Json& v = j.at(key);
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      fail(path, key + ": must be a non-negative integer");
    if (v.get<std::uint64_t>() > max)
      fail(path,
           key + ": must be an integer from 0 to " + std::to_string(max) + ", not " +
             jsonExcerpt(v));
    return v.get<std::uint64_t>();
  }

  /// An integer that an int holds: 2.0 is 2; 2.5, 1e300 and 2^32 are refused (a cast of them
  /// is undefined or wraps: an id 4294967298 read as 2).
  int integer(const Json& j, const std::string& key, const std::string& path) const
  {
    return integerValue(at(j, key, path), key, path);
  }

  int integerOr(const Json& j, const std::string& key, const std::string& path, int d) const
  {
    return has(j, key) ? integer(j, key, path) : d;
  }

  bool boolean(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_boolean())
      fail(path, key + ": must be true or false, not " + std::string(v.type_name()));
    return v.get<bool>();
  }

  bool booleanOr(const Json& j, const std::string& key, const std::string& path, bool d) const
  {
    return has(j, key) ? boolean(j, key, path) : d;
  }

  std::string text(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_string())
      fail(path, key + ": must be a string, not " + std::string(v.type_name()));
    return v.get<std::string>();
  }

  std::string textOr(const Json& j,
                     const std::string& key,
                     const std::string& path,
                     const std::string& d = "") const
  {
    return has(j, key) ? text(j, key, path) : d;
  }

  const Json& array(const Json& j, const std::string& key, const std::string& path) const
  {
    const Json& v = at(j, key, path);
    if (!v.is_array())
      fail(path, key + ": must be an array, not " + std::string(v.type_name()));
    return v;
  }

  /// The array, or an empty one when absent or null.
  const Json& arrayOr(const Json& j, const std::string& key, const std::string& path) const
  {
    static const Json empty = Json::array();
    return has(j, key) ? array(j, key, path) : empty;
  }

  std::vector<int> ints(const Json& j, const std::string& key, const std::string& path) const
  {
    std::vector<int> values;
    for (const Json& v : arrayOr(j, key, path))
    {
      if (!v.is_number_integer())
        fail(path, key + ": must hold integers");
      values.push_back(integerValue(v, key, path));
    }
    return values;
  }

  std::vector<std::string> texts(const Json& j,
                                 const std::string& key,
                                 const std::string& path) const
  {
    std::vector<std::string> values;
    for (const Json& v : arrayOr(j, key, path))
    {
      if (!v.is_string())
        fail(path, key + ": must hold strings");
      values.push_back(v.get<std::string>());
    }
    return values;
  }

  std::vector<double> numbers(const Json& j, const std::string& key, const std::string& path) const
  {
    std::vector<double> values;
    for (const Json& v : arrayOr(j, key, path))
    {
      if (!v.is_number())
        fail(path, key + ": must hold numbers");
      values.push_back(v.get<double>());
    }
    return values;
  }

  std::array<double, 3> vec3(const Json& j, const std::string& key, const std::string& path) const
  {
    std::array<double, 3> v{};
    if (!has(j, key))
      return v;
    const std::vector<double> n = numbers(j, key, path);
    if (n.size() != 3)
      fail(path, key + ": must hold 3 numbers");
    for (int i = 0; i < 3; ++i)
      v[i] = n[i];
    return v;
  }

  /// An object, or null when absent.
  const Json& object(const Json& j, const std::string& key, const std::string& path) const
  {
    static const Json null = nullptr;
    if (!has(j, key))
      return null;
    const Json& v = j.at(key);
    if (!v.is_object())
      fail(path, key + ": must be an object, not " + std::string(v.type_name()));
    return v;
  }

  /// Parse a named value with `parse`, naming the field when it throws std::invalid_argument.
  template<typename Parse>
  auto named(const Json& j, const std::string& key, const std::string& path, Parse parse) const
  {
    const std::string t = text(j, key, path);
    try
    {
      return parse(t);
    }
    catch (const std::invalid_argument& e)
    {
      fail(path, key + ": " + e.what());
    }
  }

private:
  int integerValue(const Json& v, const std::string& key, const std::string& path) const
  {
    if (!v.is_number())
      fail(path, key + ": must be an integer, not " + std::string(v.type_name()));
    const double d = v.get<double>();
    if (std::floor(d) != d || std::abs(d) > std::numeric_limits<int>::max())
      fail(path, key + ": must be an integer, not " + jsonExcerpt(v));
    return static_cast<int>(d);
  }

  std::string m_file;
};

inline Json optionalJson(const std::optional<double>& value)
{
  return value ? Json(*value) : Json(nullptr);
}

} // namespace liver::model::detail
