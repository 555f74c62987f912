#pragma once
/// A test-only validator for the subset of JSON Schema (draft 2020-12) that docs/schemas/ uses:
/// type (one or a list), enum, const, properties, required, additionalProperties (false or a
/// schema), items, minItems, maxItems, minimum, maximum, exclusiveMinimum, anyOf, and $ref to
/// "#/$defs/NAME" of the same document. Any other keyword in a schema is reported as unsupported,
/// so a schema cannot silently use more than is checked. No network, no other library.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace liver::test
{

/// Every violation of `schema` by `value`, one line each ("$.plans[0].result.r0: expected
/// boolean, got string"); empty when the value is valid.
inline void validateJson(const nlohmann::json& schema,
                         const nlohmann::json& value,
                         const nlohmann::json& root,
                         const std::string& path,
                         std::vector<std::string>& errors)
{
  using nlohmann::json;
  const auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
  if (schema.is_boolean())
  {
    if (!schema.get<bool>())
      fail("not allowed");
    return;
  }
  for (const auto& item : schema.items())
  {
    static const std::vector<std::string> known = { "$schema",
                                                    "$id",
                                                    "title",
                                                    "description",
                                                    "type",
                                                    "enum",
                                                    "const",
                                                    "properties",
                                                    "required",
                                                    "items",
                                                    "minItems",
                                                    "maxItems",
                                                    "minimum",
                                                    "maximum",
                                                    "exclusiveMinimum",
                                                    "anyOf",
                                                    "$ref",
                                                    "$defs",
                                                    "additionalProperties" };
    if (std::find(known.begin(), known.end(), item.key()) == known.end())
      fail("schema keyword '" + item.key() + "' is not supported by this validator");
  }
  if (schema.contains("$ref"))
  {
    const std::string ref = schema["$ref"].get<std::string>();
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root["$defs"].contains(ref.substr(prefix.size())))
      return fail("unresolved $ref " + ref);
    validateJson(root["$defs"][ref.substr(prefix.size())], value, root, path, errors);
  }
  if (schema.contains("type"))
  {
    const auto is = [&](const std::string& type)
    {
      if (type == "null")
        return value.is_null();
      if (type == "boolean")
        return value.is_boolean();
      if (type == "integer")
        return value.is_number_integer() ||
               (value.is_number_float() && value.get<double>() == std::floor(value.get<double>()));
      if (type == "number")
        return value.is_number();
      if (type == "string")
        return value.is_string();
      if (type == "array")
        return value.is_array();
      if (type == "object")
        return value.is_object();
      return false;
    };
    const json types = schema["type"].is_array() ? schema["type"] : json::array({ schema["type"] });
    bool any = false;
    for (const json& t : types)
      any = any || is(t.get<std::string>());
    if (!any)
      return fail("expected " + schema["type"].dump() + ", got " + value.type_name());
  }
  if (schema.contains("enum"))
  {
    bool found = false;
    for (const json& v : schema["enum"])
      found = found || v == value;
    if (!found)
      fail(value.dump() + " is not one of " + schema["enum"].dump());
  }
  if (schema.contains("const") && schema["const"] != value)
    fail(value.dump() + " is not " + schema["const"].dump());
  if (value.is_number())
  {
    const double v = value.get<double>();
    if (schema.contains("minimum") && v < schema["minimum"].get<double>())
      fail(value.dump() + " is below the minimum " + schema["minimum"].dump());
    if (schema.contains("maximum") && v > schema["maximum"].get<double>())
      fail(value.dump() + " is above the maximum " + schema["maximum"].dump());
    if (schema.contains("exclusiveMinimum") && v <= schema["exclusiveMinimum"].get<double>())
      fail(value.dump() + " is not above " + schema["exclusiveMinimum"].dump());
  }
  if (value.is_array())
  {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>())
      fail("fewer than " + schema["minItems"].dump() + " items");
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<std::size_t>())
      fail("more than " + schema["maxItems"].dump() + " items");
    if (schema.contains("items"))
      for (std::size_t k = 0; k < value.size(); ++k)
        validateJson(schema["items"], value[k], root, path + "[" + std::to_string(k) + "]", errors);
  }
  if (value.is_object())
  {
    if (schema.contains("required"))
      for (const json& key : schema["required"])
        if (!value.contains(key.get<std::string>()))
          fail("missing required '" + key.get<std::string>() + "'");
    const json properties = schema.value("properties", json::object());
    for (const auto& item : value.items())
    {
      const std::string childPath = path + "." + item.key();
      if (properties.contains(item.key()))
        validateJson(properties[item.key()], item.value(), root, childPath, errors);
      else if (schema.contains("additionalProperties"))
        validateJson(schema["additionalProperties"], item.value(), root, childPath, errors);
    }
  }
  if (schema.contains("anyOf"))
  {
    bool any = false;
    for (const json& option : schema["anyOf"])
    {
      std::vector<std::string> sub;
      validateJson(option, value, root, path, sub);
      any = any || sub.empty();
    }
    if (!any)
      fail("matches none of anyOf");
  }
}

/// Validate `value` against the whole schema document `schema`.
inline std::vector<std::string> validateJson(const nlohmann::json& schema,
                                             const nlohmann::json& value)
{
  std::vector<std::string> errors;
  validateJson(schema, value, schema, "$", errors);
  return errors;
}

} // namespace liver::test
