/// The PACS --server names, and its clients.

#include <liver/pacs/connection.h>

#include <liver/pacs/dimse.h>

#include <liver/imaging/errors.h>

namespace liver::pacs
{

Connection connect(const ConnectionOptions& o, bool httpToo)
{
  Connection c;
  const auto http = [&]
  { return std::make_unique<HttpClient>(loadCredentials(o.credentials), o.tls, o.timeoutSeconds); };
  if (!isDimseUrl(o.server))
  {
    c.http = http();
    c.server = dicomWebServer(o.server, *c.http);
    return c;
  }
  const bool tls = !o.tls.caCert.empty() || !o.tls.clientCert.empty() || !o.tls.clientKey.empty() ||
                   o.tls.insecure;
  if (!httpToo && tls)
    throw InputError("",
                     "--ca-cert, --client-cert, --client-key, --insecure: TLS over DIMSE "
                     "(dicom://) is not supported");
  if (!httpToo && !o.credentials.empty())
    throw InputError(o.credentials,
                     "--credentials: a DIMSE server (dicom://) knows LiverPlan by its AE title "
                     "(--aet), not by password");
  c.server = dimseServer(o.server, DimseOptions{ o.aeTitle, o.timeoutSeconds });
  if (httpToo)
    c.http = http();
  return c;
}

std::string orthancRestUrl(const std::string& serverUrl, const std::string& orthancUrl)
{
  std::string url = orthancUrl;
  if (url.empty())
  {
    url = serverUrl;
    while (!url.empty() && url.back() == '/')
      url.pop_back();
    const std::string suffix = "/dicom-web";
    if (url.size() > suffix.size() &&
        url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0)
      url.resize(url.size() - suffix.size());
  }
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

} // namespace liver::pacs
