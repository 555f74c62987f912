/// Rigid registration (versor rigid 3D, ITK ImageRegistrationMethodv4). All of the heavy ITK
/// registration templates live in this one translation unit.

#include <liver/imaging/errors.h>
#include <liver/imaging/registration.h>

#include <itkCenteredTransformInitializer.h>
#include <itkCommand.h>
#include <itkImageRegionConstIteratorWithIndex.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkIntensityWindowingImageFilter.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkMeanSquaresImageToImageMetricv4.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkRegionOfInterestImageFilter.h>
#include <itkRegistrationParameterScalesFromPhysicalShift.h>
#include <itkRegularStepGradientDescentOptimizerv4.h>
#include <itkResampleImageFilter.h>
#include <itkVersorRigid3DTransform.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace liver
{
namespace
{

using Vec3 = std::array<double, 3>;
using TransformType = itk::VersorRigid3DTransform<double>;
using RegistrationType = itk::ImageRegistrationMethodv4<FloatImage, FloatImage, TransformType>;
using OptimizerType = itk::RegularStepGradientDescentOptimizerv4<double>;
using MattesType = itk::MattesMutualInformationImageToImageMetricv4<FloatImage, FloatImage>;
using MeanSquaresType = itk::MeanSquaresImageToImageMetricv4<FloatImage, FloatImage>;
using MetricBaseType = itk::ImageToImageMetricv4<FloatImage, FloatImage>;

constexpr double Pi = 3.14159265358979323846;

RigidTransform toPlain(const TransformType& t)
{
  RigidTransform r;
  const auto& m = t.GetMatrix();
  for (unsigned i = 0; i < 3; ++i)
  {
    for (unsigned j = 0; j < 3; ++j)
      r.rotation[3 * i + j] = m[i][j];
    r.translationMm[i] = t.GetTranslation()[i];
    r.centreLpsMm[i] = t.GetCenter()[i];
  }
  return r;
}

bool sameGrid(const itk::ImageBase<3>& a, const itk::ImageBase<3>& b)
{
  const double tol = 1e-4;
  if (a.GetLargestPossibleRegion().GetSize() != b.GetLargestPossibleRegion().GetSize())
    return false;
  for (unsigned i = 0; i < 3; ++i)
  {
    if (std::abs(a.GetSpacing()[i] - b.GetSpacing()[i]) > tol * std::abs(a.GetSpacing()[i]) ||
        std::abs(a.GetOrigin()[i] - b.GetOrigin()[i]) > tol * std::max(1.0, a.GetSpacing()[i]))
      return false;
    for (unsigned j = 0; j < 3; ++j)
      if (std::abs(a.GetDirection()[i][j] - b.GetDirection()[i][j]) > tol)
        return false;
  }
  return true;
}

/// Voxel count, centroid (LPS mm) and index bounding box of the non-zero voxels of a mask.
struct MaskSummary
{
  std::uint64_t count = 0;
  Vec3 centroidMm{};
  LabelImage::IndexType lo, hi;
};

MaskSummary summarize(const LabelImage& mask)
{
  MaskSummary s;
  for (unsigned a = 0; a < 3; ++a)
  {
    s.lo[a] = std::numeric_limits<itk::IndexValueType>::max();
    s.hi[a] = std::numeric_limits<itk::IndexValueType>::min();
  }
  std::array<double, 3> sumIndex{};
  itk::ImageRegionConstIteratorWithIndex<LabelImage> it(&mask, mask.GetLargestPossibleRegion());
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    if (it.Get() == 0)
      continue;
    const auto idx = it.GetIndex();
    ++s.count;
    for (unsigned a = 0; a < 3; ++a)
    {
      sumIndex[a] += static_cast<double>(idx[a]);
      s.lo[a] = std::min(s.lo[a], idx[a]);
      s.hi[a] = std::max(s.hi[a], idx[a]);
    }
  }
  if (s.count > 0)
  {
    itk::ContinuousIndex<double, 3> mean;
    for (unsigned a = 0; a < 3; ++a)
      mean[a] = sumIndex[a] / static_cast<double>(s.count);
    itk::Point<double, 3> p;
    mask.TransformContinuousIndexToPhysicalPoint(mean, p);
    s.centroidMm = { p[0], p[1], p[2] };
  }
  return s;
}

double voxelMl(const itk::ImageBase<3>& image)
{
  const auto& s = image.GetSpacing();
  return s[0] * s[1] * s[2] / 1000.0;
}

/// HU clamped to the window and shifted to 0..(high - low), as float.
FloatImage::Pointer windowed(const CtImage& ct, const RigidRegistrationOptions& o)
{
  using Filter = itk::IntensityWindowingImageFilter<CtImage, FloatImage>;
  auto filter = Filter::New();
  filter->SetInput(&ct);
  filter->SetWindowMinimum(static_cast<CtImage::PixelType>(std::lround(o.windowLowHu)));
  filter->SetWindowMaximum(static_cast<CtImage::PixelType>(std::lround(o.windowHighHu)));
  filter->SetOutputMinimum(0.0f);
  filter->SetOutputMaximum(static_cast<float>(o.windowHighHu - o.windowLowHu));
  filter->Update();
  FloatImage::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  return out;
}

void validate(const RigidRegistrationOptions& o)
{
  const auto fail = [](const std::string& what)
  { throw std::invalid_argument("registerRigid: " + what); };
  if (!(o.windowHighHu > o.windowLowHu))
    fail("window high HU must exceed window low HU");
  if (!std::isfinite(o.liverMarginMm) || o.liverMarginMm < 0.0)
    fail("liver margin must be finite and >= 0 mm");
  if (o.shrinkFactors.empty() || o.shrinkFactors.size() != o.smoothingSigmasMm.size())
    fail("shrink factors and smoothing sigmas must be non-empty and of equal length");
  for (unsigned f : o.shrinkFactors)
    if (f < 1)
      fail("shrink factors must be >= 1");
  for (double s : o.smoothingSigmasMm)
    if (!std::isfinite(s) || s < 0.0)
      fail("smoothing sigmas must be finite and >= 0 mm");
  if (o.maxSamplesPerLevel < 1000)
    fail("at least 1000 samples per level are needed");
  if (o.histogramBins < 8)
    fail("at least 8 histogram bins are needed");
  if (!(o.initialStepMm > o.minimumStepMm) || !(o.minimumStepMm > 0.0))
    fail("initial step must exceed the minimum step, which must be > 0");
  if (o.maxIterationsPerLevel < 1)
    fail("at least one iteration per level is needed");
}

/// Records the iterations and stop condition of each level, and halves the step of each finer
/// level (the coarse level has placed the transform within a few voxels).
class LevelObserver : public itk::Command
{
public:
  using Self = LevelObserver;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self)

    OptimizerType* optimizer = nullptr;
  double initialStepMm = 1.0;
  double minimumStepMm = 0.001;
  std::size_t levels = 1;
  std::vector<unsigned> iterations;
  std::vector<std::string> stops;

  void Execute(itk::Object* caller, const itk::EventObject& event) override
  {
    Execute(static_cast<const itk::Object*>(caller), event);
  }

  void Execute(const itk::Object* caller, const itk::EventObject& event) override
  {
    if (!itk::MultiResolutionIterationEvent().CheckEvent(&event))
      return;
    const auto* registration = static_cast<const RegistrationType*>(caller);
    const std::size_t level = registration->GetCurrentLevel();
    if (level > 0)
      recordLevel();
    const double step = initialStepMm / std::pow(2.0, static_cast<double>(level));
    optimizer->SetLearningRate(step);
    // Coarse levels need not converge to a thousandth of a millimetre.
    optimizer->SetMinimumStepLength(level + 1 == levels ? minimumStepMm
                                                        : std::max(minimumStepMm, 0.02));
  }

  void recordLevel()
  {
    iterations.push_back(static_cast<unsigned>(optimizer->GetCurrentIteration()));
    stops.push_back(optimizer->GetStopConditionDescription());
  }

protected:
  LevelObserver() = default;
};

Vec3 subtract(const Vec3& a, const Vec3& b)
{
  return { a[0] - b[0], a[1] - b[1], a[2] - b[2] };
}

double length(const Vec3& v)
{
  return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

} // namespace

std::array<double, 3> RigidTransform::apply(const std::array<double, 3>& p) const
{
  const Vec3 d = subtract(p, centreLpsMm);
  Vec3 out{};
  for (int i = 0; i < 3; ++i)
    out[i] = rotation[3 * i] * d[0] + rotation[3 * i + 1] * d[1] + rotation[3 * i + 2] * d[2] +
             centreLpsMm[i] + translationMm[i];
  return out;
}

std::array<double, 3> RigidTransform::applyToVector(const std::array<double, 3>& v) const
{
  Vec3 out{};
  for (int i = 0; i < 3; ++i)
    out[i] = rotation[3 * i] * v[0] + rotation[3 * i + 1] * v[1] + rotation[3 * i + 2] * v[2];
  return out;
}

double RigidTransform::rotationAngleDeg() const
{
  const double trace = rotation[0] + rotation[4] + rotation[8];
  return std::acos(std::clamp((trace - 1.0) / 2.0, -1.0, 1.0)) * 180.0 / Pi;
}

std::array<double, 3> RigidTransform::offsetMm() const
{
  return apply({ 0.0, 0.0, 0.0 });
}

RigidTransform RigidTransform::inverse() const
{
  // p = R^T (q - c - t) + c: same centre, translation -R^T t.
  RigidTransform inv;
  inv.centreLpsMm = centreLpsMm;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      inv.rotation[3 * i + j] = rotation[3 * j + i];
  const Vec3 back = inv.applyToVector(translationMm);
  inv.translationMm = { -back[0], -back[1], -back[2] };
  return inv;
}

RigidRegistration registerRigid(const CtImage& fixed,
                                const CtImage& moving,
                                const LabelImage* fixedLiverMask,
                                const RigidRegistrationOptions& options,
                                const LabelImage* movingLiverMask)
{
  const auto started = std::chrono::steady_clock::now();
  validate(options);
  if (fixed.GetLargestPossibleRegion().GetNumberOfPixels() == 0 ||
      moving.GetLargestPossibleRegion().GetNumberOfPixels() == 0)
    throw std::invalid_argument("registerRigid: empty fixed or moving image");
  if (fixedLiverMask && !sameGrid(fixed, *fixedLiverMask))
    throw std::invalid_argument(
      "registerRigid: the fixed liver mask is not on the fixed CT's grid");
  if (movingLiverMask && !sameGrid(moving, *movingLiverMask))
    throw std::invalid_argument(
      "registerRigid: the moving liver mask is not on the moving CT's grid");

  MaskSummary fixedLiver, movingLiver;
  if (fixedLiverMask)
  {
    fixedLiver = summarize(*fixedLiverMask);
    if (fixedLiver.count == 0)
      throw InputError("", "rigid registration: the fixed liver mask is empty");
  }
  if (movingLiverMask)
  {
    movingLiver = summarize(*movingLiverMask);
    if (movingLiver.count == 0)
      throw InputError("", "rigid registration: the moving liver mask is empty");
  }

  RigidRegistration result;
  result.metric = options.metric == RegistrationMetric::MattesMutualInformation
                    ? "mattes-mutual-information"
                    : "mean-squares";
  try
  {
    const FloatImage::Pointer fixedWindowed = windowed(fixed, options);
    const FloatImage::Pointer movingWindowed = windowed(moving, options);

    // The fixed region: the liver's bounding box grown by the margin, clipped to the image.
    FloatImage::RegionType region = fixed.GetLargestPossibleRegion();
    if (fixedLiverMask)
    {
      const auto full = fixed.GetLargestPossibleRegion();
      FloatImage::IndexType lo;
      FloatImage::SizeType size;
      for (unsigned a = 0; a < 3; ++a)
      {
        const auto grow = static_cast<itk::IndexValueType>(
          std::ceil(options.liverMarginMm / fixed.GetSpacing()[a]));
        const auto first = std::max(full.GetIndex()[a], fixedLiver.lo[a] - grow);
        const auto last =
          std::min(full.GetIndex()[a] + static_cast<itk::IndexValueType>(full.GetSize()[a]) - 1,
                   fixedLiver.hi[a] + grow);
        lo[a] = first;
        size[a] = static_cast<itk::SizeValueType>(last - first + 1);
      }
      region = FloatImage::RegionType(lo, size);
    }
    using RoiFilter = itk::RegionOfInterestImageFilter<FloatImage, FloatImage>;
    auto roi = RoiFilter::New();
    roi->SetInput(fixedWindowed);
    roi->SetRegionOfInterest(region);
    roi->Update();
    const FloatImage::Pointer fixedRegion = roi->GetOutput();
    for (unsigned a = 0; a < 3; ++a)
      result.regionSize[a] = region.GetSize()[a];

    // Start: centred initializer on the whole images, then the centre of rotation moved to the
    // middle of the region (same mapping: the rotation is still the identity).
    auto transform = TransformType::New();
    using Initializer = itk::CenteredTransformInitializer<TransformType, FloatImage, FloatImage>;
    auto initializer = Initializer::New();
    initializer->SetTransform(transform);
    initializer->SetFixedImage(fixedWindowed);
    initializer->SetMovingImage(movingWindowed);
    if (options.initializer == RegistrationInitializer::Moments)
      initializer->MomentsOn();
    else
      initializer->GeometryOn();
    initializer->InitializeTransform();
    {
      itk::ContinuousIndex<double, 3> middle;
      for (unsigned a = 0; a < 3; ++a)
        middle[a] = static_cast<double>(region.GetIndex()[a]) +
                    0.5 * static_cast<double>(region.GetSize()[a] - 1);
      TransformType::InputPointType centre;
      fixed.TransformContinuousIndexToPhysicalPoint(middle, centre);
      transform->SetCenter(centre);
    }

    MetricBaseType::Pointer metric;
    if (options.metric == RegistrationMetric::MattesMutualInformation)
    {
      auto mattes = MattesType::New();
      mattes->SetNumberOfHistogramBins(options.histogramBins);
      metric = mattes;
    }
    else
      metric = MeanSquaresType::New();

    auto optimizer = OptimizerType::New();
    optimizer->SetLearningRate(options.initialStepMm);
    optimizer->SetMinimumStepLength(options.minimumStepMm);
    optimizer->SetRelaxationFactor(0.5);
    optimizer->SetNumberOfIterations(options.maxIterationsPerLevel);
    optimizer->SetGradientMagnitudeTolerance(1e-8);
    optimizer->SetReturnBestParametersAndValue(false);
    optimizer->SetDoEstimateLearningRateOnce(false);
    optimizer->SetDoEstimateLearningRateAtEachIteration(false);
    using ScalesType = itk::RegistrationParameterScalesFromPhysicalShift<MetricBaseType>;
    auto scales = ScalesType::New();
    scales->SetMetric(metric);
    optimizer->SetScalesEstimator(scales);

    const std::size_t levels = options.shrinkFactors.size();
    RegistrationType::ShrinkFactorsArrayType shrink(levels);
    RegistrationType::SmoothingSigmasArrayType sigmas(levels);
    RegistrationType::MetricSamplingPercentageArrayType percentages(levels);
    for (std::size_t l = 0; l < levels; ++l)
    {
      shrink[l] = options.shrinkFactors[l];
      sigmas[l] = options.smoothingSigmasMm[l];
      double voxels = 1.0;
      for (unsigned a = 0; a < 3; ++a)
        voxels *= std::max(
          1.0, std::floor(static_cast<double>(region.GetSize()[a]) / options.shrinkFactors[l]));
      percentages[l] =
        std::min(1.0, static_cast<double>(options.maxSamplesPerLevel) / std::max(voxels, 1.0));
    }

    auto registration = RegistrationType::New();
    registration->SetFixedImage(fixedRegion);
    registration->SetMovingImage(movingWindowed);
    registration->SetMetric(metric);
    registration->SetOptimizer(optimizer);
    registration->SetInitialTransform(transform);
    registration->InPlaceOn();
    registration->SetNumberOfLevels(levels);
    registration->SetShrinkFactorsPerLevel(shrink);
    registration->SetSmoothingSigmasPerLevel(sigmas);
    registration->SmoothingSigmasAreSpecifiedInPhysicalUnitsOn();
    registration->SetMetricSamplingStrategy(RegistrationType::RANDOM);
    registration->SetMetricSamplingPercentagePerLevel(percentages);
    registration->MetricSamplingReinitializeSeed(static_cast<int>(options.samplingSeed));

    auto observer = LevelObserver::New();
    observer->optimizer = optimizer;
    observer->initialStepMm = options.initialStepMm;
    observer->minimumStepMm = options.minimumStepMm;
    observer->levels = levels;
    registration->AddObserver(itk::MultiResolutionIterationEvent(), observer);
    registration->Update();
    observer->recordLevel();

    const TransformType* optimized = registration->GetTransformOutput()->Get();
    result.fixedToMoving = toPlain(*optimized);
    result.movingToFixed = result.fixedToMoving.inverse();
    result.metricValue = optimizer->GetValue();
    result.iterationsPerLevel = observer->iterations;
    for (unsigned n : observer->iterations)
      result.iterations += n;
    result.stopCondition = observer->stops.back();

    if (optimizer->GetStopCondition() ==
        itk::StopConditionObjectToObjectOptimizerEnum::MAXIMUM_NUMBER_OF_ITERATIONS)
      throw ProcessingError("rigid registration did not converge: " + result.stopCondition +
                            " (the last level reached its " +
                            std::to_string(options.maxIterationsPerLevel) + " iterations)");
    for (std::size_t k = 0; k < 3; ++k)
      if (!std::isfinite(result.fixedToMoving.translationMm[k]))
        throw ProcessingError("rigid registration diverged: non-finite translation");

    if (movingLiverMask)
      result.quality.movingLiverMl = static_cast<double>(movingLiver.count) * voxelMl(moving);
    if (movingLiverMask && fixedLiverMask)
    {
      // The moving liver on the fixed grid through the fixed-to-moving transform.
      using Resample = itk::ResampleImageFilter<LabelImage, LabelImage, double>;
      auto resample = Resample::New();
      resample->SetInput(movingLiverMask);
      resample->SetTransform(optimized);
      resample->SetInterpolator(
        itk::NearestNeighborInterpolateImageFunction<LabelImage, double>::New());
      resample->SetDefaultPixelValue(0);
      resample->SetOutputParametersFromImage(&fixed);
      resample->Update();
      const LabelImage* mapped = resample->GetOutput();

      RegistrationQuality& q = result.quality;
      {
        std::uint64_t both = 0, mappedCount = 0;
        itk::ImageRegionConstIterator<LabelImage> a(fixedLiverMask,
                                                    fixedLiverMask->GetLargestPossibleRegion());
        itk::ImageRegionConstIterator<LabelImage> b(mapped, mapped->GetLargestPossibleRegion());
        for (a.GoToBegin(), b.GoToBegin(); !a.IsAtEnd(); ++a, ++b)
        {
          const bool inB = b.Get() != 0;
          mappedCount += inB;
          both += (a.Get() != 0 && inB);
        }
        q.liverDice =
          2.0 * static_cast<double>(both) / static_cast<double>(fixedLiver.count + mappedCount);
        q.fixedLiverMl = static_cast<double>(fixedLiver.count) * voxelMl(fixed);
        q.centroidResidualMm = length(
          subtract(result.fixedToMoving.apply(fixedLiver.centroidMm), movingLiver.centroidMm));
      }
    }
  }
  catch (const itk::ExceptionObject& e)
  {
    throw ProcessingError(std::string("rigid registration failed in ITK: ") + e.GetDescription());
  }

  const RegistrationQuality& q = result.quality;
  char text[256];
  if (q.liverDice && *q.liverDice < options.minimumLiverDice)
  {
    std::snprintf(text,
                  sizeof text,
                  "rigid registration is poor: liver Dice %.3f < %.2f after registration",
                  *q.liverDice,
                  options.minimumLiverDice);
    throw ProcessingError(text);
  }
  if (q.centroidResidualMm && *q.centroidResidualMm > options.maximumCentroidResidualMm)
  {
    std::snprintf(text,
                  sizeof text,
                  "rigid registration is poor: %.1f mm between the liver centroids after "
                  "registration (limit %.1f mm)",
                  *q.centroidResidualMm,
                  options.maximumCentroidResidualMm);
    throw ProcessingError(text);
  }
  result.seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

} // namespace liver
