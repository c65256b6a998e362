import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';

/**
 * The adapter onnxruntime's WebGPU provider (Dawn, over Vulkan on Linux) runs on, as far as the machine
 * tells: onnxruntime-node does not report Dawn's adapter, so it is read from the same places the Vulkan
 * loader and Dawn look: the GPU device nodes, and the Vulkan driver manifests (ICDs). Dawn prefers a
 * hardware adapter; with no GPU device node, only a CPU implementation (Mesa's lavapipe) can serve it,
 * and `software` says so, so that no one mistakes its timings for a GPU's.
 */
export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly device: string;
  readonly driver: string;
  /** A CPU implementation of Vulkan (lavapipe, SwiftShader): correct results, CPU speed. */
  readonly software: boolean;
}

interface VulkanDriver {
  readonly manifest: string;
  readonly library: string;
  readonly apiVersion: string;
}

const PCI_VENDORS: Readonly<Record<string, string>> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel', '0x1af4': 'virtio' };

/** The WebGPU adapter this machine can offer, or undefined when no Vulkan driver is installed. */
export function webGpuAdapter(): GpuAdapterInfo | undefined {
  const drivers = vulkanDrivers();
  const nvidia = drivers.find((d) => /nvidia/i.test(d.library));
  const nvidiaVersion = readText('/proc/driver/nvidia/version')?.split('\n')[0];
  if (nvidia && nvidiaVersion !== undefined) {
    return { vendor: 'NVIDIA', device: nvidiaGpuModel() ?? 'NVIDIA GPU', driver: `${nvidiaVersion.replace(/\s+/g, ' ').trim()}; Vulkan ${nvidia.apiVersion}`, software: false };
  }
  const render = renderNodes();
  if (render.length > 0) {
    const vendorId = readText(`/sys/class/drm/${render[0]}/device/vendor`)?.trim() ?? 'unknown';
    const deviceId = readText(`/sys/class/drm/${render[0]}/device/device`)?.trim() ?? 'unknown';
    const hardware = drivers.filter((d) => !isSoftware(d));
    return {
      vendor: PCI_VENDORS[vendorId] ?? vendorId,
      device: `PCI ${vendorId}:${deviceId} (/dev/dri/${render[0]})`,
      driver: hardware.map(describeDriver).join(', ') || 'no hardware Vulkan driver installed',
      software: false,
    };
  }
  const software = drivers.find(isSoftware);
  if (software === undefined) return undefined;
  const lavapipe = /lvp/.test(software.library);
  return {
    vendor: lavapipe ? 'Mesa' : 'Google',
    device: lavapipe ? 'lavapipe (llvmpipe: Vulkan on the CPU)' : 'SwiftShader (Vulkan on the CPU)',
    driver: describeDriver(software),
    software: true,
  };
}

/** One line for logs and reports: "Mesa lavapipe (…), libvulkan_lvp.so, Vulkan 1.4.305 — software adapter". */
export function formatGpuAdapter(adapter: GpuAdapterInfo): string {
  return `${adapter.vendor} ${adapter.device}, ${adapter.driver}${adapter.software ? ' — software adapter (CPU speed, not a GPU)' : ''}`;
}

function isSoftware(driver: VulkanDriver): boolean {
  return /lvp|swiftshader/i.test(driver.library);
}

function describeDriver(driver: VulkanDriver): string {
  return `${basename(driver.library)}, Vulkan ${driver.apiVersion}`;
}

/** The Vulkan loader's driver manifests: VK_DRIVER_FILES / VK_ICD_FILENAMES when set, else its search folders. */
function vulkanDrivers(): VulkanDriver[] {
  const explicit = process.env['VK_DRIVER_FILES'] ?? process.env['VK_ICD_FILENAMES'];
  const files = explicit
    ? explicit.split(delimiter).filter(Boolean)
    : icdFolders().flatMap((dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)) : []));
  const drivers: VulkanDriver[] = [];
  for (const manifest of files) {
    try {
      const icd = (JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: unknown; api_version?: unknown } }).ICD;
      if (typeof icd?.library_path === 'string') {
        drivers.push({ manifest, library: icd.library_path, apiVersion: typeof icd.api_version === 'string' ? icd.api_version : 'unknown' });
      }
    } catch {
      // An unreadable manifest is skipped, as the Vulkan loader skips it.
    }
  }
  return drivers;
}

function icdFolders(): string[] {
  const config = (process.env['XDG_CONFIG_DIRS'] || '/etc/xdg').split(':');
  const data = (process.env['XDG_DATA_DIRS'] || '/usr/local/share:/usr/share').split(':');
  const home = process.env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  return [...config.map((d) => join(d, 'vulkan', 'icd.d')), '/etc/vulkan/icd.d', ...data.map((d) => join(d, 'vulkan', 'icd.d')), join(home, 'vulkan', 'icd.d')];
}

function renderNodes(): string[] {
  try {
    return readdirSync('/dev/dri').filter((f) => f.startsWith('renderD')).sort();
  } catch {
    return [];
  }
}

function nvidiaGpuModel(): string | undefined {
  try {
    const gpu = readdirSync('/proc/driver/nvidia/gpus')[0];
    const info = gpu === undefined ? undefined : readText(join('/proc/driver/nvidia/gpus', gpu, 'information'));
    return /Model:\s*(.+)/.exec(info ?? '')?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
