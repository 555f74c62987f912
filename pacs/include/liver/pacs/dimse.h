#pragma once
/// A DIMSE client for the PACS round trip (issue 16), for PACS that offer no DICOMweb: C-FIND
/// (Study Root, SERIES level) to list a study's series, C-GET to retrieve one (the images come
/// back on the same association, so LiverPlan needs no listening port and the PACS no route back
/// to it), C-STORE to store LiverPlan's SEG/SR/PDF into the study. Through DCMTK's DcmSCU.
/// DIMSE knows no passwords: the PACS admits LiverPlan by its AE title (and address).

#include <liver/pacs/server.h>

#include <cstdint>
#include <memory>
#include <string>

namespace liver::pacs
{

/// The PACS's DICOM service: dicom://AET@host:port.
struct DimsePeer
{
  std::string aeTitle;
  std::string host;
  std::uint16_t port = 0;
};

/// True for a dicom:// URL.
bool isDimseUrl(const std::string& url);

/// dicom://AET@host:port (host a name, an IPv4 address or a bracketed IPv6 address). InputError
/// naming --server and what is wrong.
DimsePeer parseDimseUrl(const std::string& url);

/// An AE title: 1..16 characters of printable ASCII other than backslash, not all spaces.
/// InputError naming `what` otherwise.
void checkAeTitle(const std::string& aeTitle, const std::string& what);

struct DimseOptions
{
  std::string callingAeTitle = "LIVERPLAN"; ///< LiverPlan's AE title, as the PACS knows it
  long timeoutSeconds = 300;                ///< connection, association and each DIMSE message
};

/// A PACS's DICOM service at `url` (dicom://AET@host:port): C-FIND in the Study Root model (STUDY
/// or SERIES level), C-GET at SERIES level (CT, enhanced CT, legacy converted enhanced CT and SEG
/// instances accepted, uncompressed: a PACS holding them compressed transcodes), C-STORE of each
/// file (a file of another study is refused before anything is sent). Every call is one
/// association (opened, used, released). InputError for a malformed URL, AE title or a timeout
/// under 1 s; the calls throw ProcessingError naming the server for a refused connection, a
/// rejected association, a service the PACS does not accept and a failed C-FIND or C-GET.
std::unique_ptr<Server> dimseServer(const std::string& url, DimseOptions options);

} // namespace liver::pacs
