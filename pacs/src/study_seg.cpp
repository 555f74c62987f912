/// Choosing a study's own DICOM SEG to take the liver from.

#include <liver/pacs/study_seg.h>

#include <liver/segmentation/dicom_seg.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <algorithm>
#include <cctype>
#include <exception>

namespace liver::pacs
{

std::optional<StudySegmentation> studyLiverSegmentation(const std::vector<std::string>& files,
                                                        std::vector<std::string>& notes)
{
  for (const std::string& file : files)
  {
    if (!isDicomSegmentation(file))
      continue;
    DcmFileFormat ff;
    if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
      continue;
    OFString manufacturer, series, description;
    DcmDataset& d = *ff.getDataset();
    d.findAndGetOFString(DCM_Manufacturer, manufacturer);
    d.findAndGetOFString(DCM_SeriesInstanceUID, series);
    d.findAndGetOFString(DCM_SeriesDescription, description);
    if (manufacturer == "LiverPlan")
    {
      notes.push_back(file + ": LiverPlan's own SEG (an earlier result), not used");
      continue;
    }
    try
    {
      const DicomSegmentation seg = readDicomSegmentation(file);
      for (const DicomSegSegment& s : seg.segments)
      {
        std::string label = s.label;
        std::transform(label.begin(),
                       label.end(),
                       label.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!s.planSegment && (s.codeRole == "liver" || label == "liver"))
          return StudySegmentation{
            file, series.c_str(), manufacturer.c_str(), description.c_str(), s.label
          };
      }
      notes.push_back(file + ": a SEG without a liver segment");
    }
    catch (const std::exception& e)
    {
      notes.push_back(std::string(e.what()) + " (not used)");
    }
  }
  return std::nullopt;
}

} // namespace liver::pacs
