#pragma once
/// LiverPlan's one palette (0..255 sRGB): the snapshots, the report's images and legend, the
/// planner window, the Slicer segmentation and the DICOM SEG all draw a structure in the same
/// colour, so a reader who learnt it in one place recognises it in the others.

#include <array>

namespace liver
{

using Rgb = std::array<unsigned char, 3>;

constexpr Rgb LiverColour{ 190, 90, 70 };           ///< the liver (snapshots, outlines, layers)
constexpr Rgb LesionColour{ 240, 220, 40 };         ///< lesions where no plan gives them a fate
constexpr Rgb RemnantColour{ 40, 200, 80 };         ///< remnant (map value 1), opaque in 3D
constexpr Rgb ResectedColour{ 60, 110, 255 };       ///< resected part (2), translucent in 3D
constexpr Rgb AblationColour{ 255, 140, 0 };        ///< ablation zone (3)
constexpr Rgb LesionResectedColour{ 255, 235, 40 }; ///< lesion removed with the resected part
constexpr Rgb LesionAblatedColour{ 255, 60, 220 };  ///< lesion inside an ablation zone
constexpr Rgb LesionLeftColour{ 255, 30, 30 };      ///< lesion left in the remnant
constexpr Rgb SliceLiverColour = LiverColour;       ///< liver outline on a slice without a plan
constexpr Rgb VesselColour{ 0, 210, 210 };          ///< vessels
constexpr Rgb AnnotationColour{ 255, 255, 255 };    ///< orientation letters and scale bar

/// Couinaud segments 1..8 (index 0 unused), chosen apart from the lesion, ablation and vessel
/// colours.
constexpr std::array<Rgb, 9> CouinaudColours{ { { 0, 0, 0 },
                                                { 170, 110, 40 },
                                                { 128, 128, 0 },
                                                { 0, 128, 128 },
                                                { 145, 30, 180 },
                                                { 210, 245, 60 },
                                                { 250, 190, 212 },
                                                { 0, 0, 128 },
                                                { 220, 190, 255 } } };

/// A colour as 0..1 fractions (VTK, Slicer, DICOM's CIELab conversion).
constexpr std::array<double, 3> unitRgb(const Rgb& c)
{
  return { c[0] / 255.0, c[1] / 255.0, c[2] / 255.0 };
}

} // namespace liver
