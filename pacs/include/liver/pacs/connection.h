#pragma once
/// The PACS that `--server` names, DICOMweb (http:// or https://) or DIMSE (dicom://AET@host:port),
/// with what it needs: credentials and TLS for HTTP, LiverPlan's AE title for DIMSE.

#include <liver/pacs/dicomweb.h>
#include <liver/pacs/server.h>

#include <memory>
#include <string>

namespace liver::pacs
{

/// How to reach the PACS, as the user gave it.
struct ConnectionOptions
{
  std::string server;                ///< DICOMweb base URL or dicom://AET@host:port
  std::string credentials;           ///< JSON file (loadCredentials); empty: the environment
  std::string aeTitle = "LIVERPLAN"; ///< LiverPlan's AE title towards a dicom:// server
  TlsOptions tls;
  /// An HTTP request as a whole (connecting: at most 30 s of it), or over DIMSE the connection,
  /// the association and each DIMSE message.
  long timeoutSeconds = 300;
};

/// The server, and the HTTP client it and Orthanc's REST API use.
struct Connection
{
  std::unique_ptr<HttpClient> http; ///< null for a DIMSE server unless asked for
  std::unique_ptr<Server> server;
};

/// Connect (nothing is sent yet). `httpToo`: an HTTP client also for a DIMSE server (a watch
/// reading Orthanc's change log over its REST API), with the credentials and TLS options; without
/// it, TLS options or credentials given for a DIMSE server are an InputError (DIMSE here has no
/// TLS, and a PACS knows LiverPlan by its AE title, not by password).
Connection connect(const ConnectionOptions& options, bool httpToo);

/// Orthanc's REST API URL: `orthancUrl` when given, else the server's DICOMweb URL without its
/// "/dicom-web" suffix; without trailing slashes.
std::string orthancRestUrl(const std::string& serverUrl, const std::string& orthancUrl);

} // namespace liver::pacs
