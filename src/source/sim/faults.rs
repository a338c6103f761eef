//! Fault injection for the demo (`!`): each fault changes the estate the way the real failure
//! would, and what follows (health checks, alarms, replacements) comes from the dynamics.

use super::Sim;
use super::state::{Ec2State, Lifecycle, Role};
use crate::model::{EventKind, Severity};
use crate::source::ServiceUpdate;

/// Minutes a CPU spike lasts.
pub const CPU_SPIKE_SECS: f64 = 900.0;
/// Seconds API throttling lasts.
pub const THROTTLE_SECS: f64 = 300.0;
/// Seconds (simulated) the slow API lasts.
pub const SLOW_SECS: f64 = 300.0;
/// How long each mutating call takes while the API is slow, real seconds: longer than a
/// keystroke, shorter than the grace a quitting console waits.
pub const SLOW_CALL_SECS: u64 = 4;

/// A fault the demo can inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Stop an EC2 instance (the given one, or the first in-service target instance).
    StopInstance {
        region: String,
        instance: Option<String>,
    },
    /// Deploy an image whose tasks fail their health checks and answer 5XX.
    BadImage { region: String },
    /// Drive the app group's CPU to the high 90s for 15 minutes.
    CpuSpike { region: String },
    /// The region's first Availability Zone stops answering.
    AzDark { region: String },
    /// The whole primary region stops answering.
    PrimaryDark,
    /// AWS sees the region's first zone impaired and autoshifts the load balancers that have
    /// zonal autoshift on away from it.
    Autoshift { region: String },
    /// 70 % of API reads are throttled for 5 minutes.
    Throttling,
    /// Every mutating call takes seconds to answer, for 5 minutes (an API having a bad day):
    /// the console stays responsive while an operation is in flight.
    SlowApi,
    /// Undo every fault that can be undone (bad image rolled back, regions back).
    ClearAll,
}

impl Fault {
    /// A one-line description for the menu and the timeline.
    pub fn label(&self) -> String {
        match self {
            Fault::StopInstance { region, instance } => format!(
                "Stop instance {} ({region})",
                instance.as_deref().unwrap_or("(first in service)")
            ),
            Fault::BadImage { region } => {
                format!("Ship a bad image to the ECS service ({region})")
            }
            Fault::CpuSpike { region } => format!("CPU spike on the app group, 15 min ({region})"),
            Fault::AzDark { region } => format!("First Availability Zone goes dark ({region})"),
            Fault::PrimaryDark => "Primary region goes dark".into(),
            Fault::Autoshift { region } => {
                format!("AWS autoshifts away from the first zone ({region})")
            }
            Fault::Throttling => "API throttling, 5 min".into(),
            Fault::SlowApi => format!("Slow API: each change takes {SLOW_CALL_SECS} s, 5 min"),
            Fault::ClearAll => {
                "Clear faults (roll back bad image, regions back, autoshifts end)".into()
            }
        }
    }
}

impl Sim {
    /// The faults that apply to this estate now, for `region` (the region on screen) and the
    /// selected instance, if any.
    pub fn fault_menu(&self, region: &str, selected_instance: Option<&str>) -> Vec<Fault> {
        let r = self.region_index(region).unwrap_or(0);
        let reg = &self.regions[r];
        let region = reg.name.to_string();
        let instance = selected_instance
            .filter(|id| {
                reg.instance(id)
                    .is_some_and(super::state::Instance::is_running)
            })
            .map(str::to_owned)
            .or_else(|| self.default_victim(r));
        let mut menu = vec![Fault::StopInstance {
            region: region.clone(),
            instance,
        }];
        if !reg.services.is_empty() {
            menu.push(Fault::BadImage {
                region: region.clone(),
            });
        }
        if reg.asgs.iter().any(|a| a.role == Role::App) {
            menu.push(Fault::CpuSpike {
                region: region.clone(),
            });
        }
        menu.push(Fault::AzDark {
            region: region.clone(),
        });
        if reg.lbs.iter().any(|l| l.autoshift) {
            menu.push(Fault::Autoshift { region });
        }
        menu.push(Fault::PrimaryDark);
        menu.push(Fault::Throttling);
        menu.push(Fault::SlowApi);
        menu.push(Fault::ClearAll);
        menu
    }

    fn default_victim(&self, r: usize) -> Option<String> {
        let reg = &self.regions[r];
        let in_service = |role: Role| {
            reg.instances
                .iter()
                .find(|i| i.role == role && i.lifecycle == Lifecycle::InService && i.is_running())
        };
        in_service(Role::App)
            .or_else(|| in_service(Role::EcsHost))
            .map(|i| i.id.clone())
    }

    /// Injects a fault. Returns what happened, or why it could not.
    /// The fault menu as the console shows it (its labels), remembered so that the console's
    /// pick (a place in this list) injects what it showed.
    pub fn offer_faults(&mut self, region: &str, selected_instance: Option<&str>) -> Vec<String> {
        self.offered = self.fault_menu(region, selected_instance);
        self.offered.iter().map(Fault::label).collect()
    }

    /// Injects the `i`th fault the menu offered last.
    pub fn inject_offered(&mut self, i: usize) -> Result<String, String> {
        let fault = self
            .offered
            .get(i)
            .cloned()
            .ok_or_else(|| "that fault is no longer offered; open the menu again".to_owned())?;
        self.inject(&fault)
    }

    pub fn inject(&mut self, fault: &Fault) -> Result<String, String> {
        let now = self.at();
        let region_of = |sim: &Sim, name: &str| {
            sim.region_index(name)
                .ok_or_else(|| format!("no region {name} in this estate"))
        };
        let (r, msg) = match fault {
            Fault::StopInstance { region, instance } => {
                let r = region_of(self, region)?;
                let id = instance
                    .clone()
                    .or_else(|| self.default_victim(r))
                    .ok_or("no running instance to stop")?;
                let inst = self.regions[r]
                    .instances
                    .iter_mut()
                    .find(|i| i.id == id)
                    .ok_or_else(|| format!("no instance {id}"))?;
                if !inst.is_running() {
                    return Err(format!("{id} is not running"));
                }
                inst.ec2 = Ec2State::Stopping(now.plus_secs(super::dynamics::STOP_SECS));
                (r, format!("stopped instance {id}"))
            }
            Fault::BadImage { region } => {
                let r = region_of(self, region)?;
                let svc = self.regions[r]
                    .services
                    .first()
                    .ok_or("no ECS service in this region")?;
                let (cluster, service) = (svc.cluster.clone(), svc.name.clone());
                let current = svc
                    .deployments
                    .last()
                    .map(|d| self.regions[r].task_defs[d.task_def].name())
                    .ok_or("the service has no deployment")?;
                let image = format!(
                    "{}.dkr.ecr.{region}.amazonaws.com/bookstore:v1.5.0-bad",
                    super::DEMO_ACCOUNT
                );
                let td = self
                    .register_task_definition(region, &current, super::state::CONTAINER, &image)
                    .map_err(|e| e.to_string())?;
                self.update_service(
                    region,
                    &ServiceUpdate {
                        cluster,
                        service: service.clone(),
                        desired: None,
                        task_definition: Some(td.clone()),
                        force_new_deployment: false,
                    },
                )
                .map_err(|e| e.to_string())?;
                (r, format!("shipped bad image to {service} as {td}"))
            }
            Fault::CpuSpike { region } => {
                let r = region_of(self, region)?;
                self.regions[r].cpu_spike_until = Some(now.plus_secs(CPU_SPIKE_SECS));
                (r, "CPU spike on the app group for 15 min".to_owned())
            }
            Fault::AzDark { region } => {
                let r = region_of(self, region)?;
                let az = self.regions[r].azs[0].clone();
                self.regions[r].dark_az = Some(az.clone());
                (r, format!("{az} went dark"))
            }
            Fault::Autoshift { region } => {
                let r = region_of(self, region)?;
                let msg = self.autoshift(r)?;
                (r, msg)
            }
            Fault::PrimaryDark => {
                self.regions[0].dark = true;
                (0, format!("region {} went dark", self.regions[0].name))
            }
            Fault::Throttling => {
                self.throttle_until = Some(now.plus_secs(THROTTLE_SECS));
                (0, "API throttling for 5 min".to_owned())
            }
            Fault::SlowApi => {
                self.slow_until = Some(now.plus_secs(SLOW_SECS));
                (
                    0,
                    format!("slow API: each change takes {SLOW_CALL_SECS} s for 5 min"),
                )
            }
            Fault::ClearAll => {
                self.throttle_until = None;
                self.slow_until = None;
                let names: Vec<String> = self.regions.iter().map(|r| r.name.to_string()).collect();
                for (r, name) in names.iter().enumerate() {
                    self.end_autoshifts(r);
                    let reg = &mut self.regions[r];
                    reg.dark = false;
                    reg.dark_az = None;
                    reg.cpu_spike_until = None;
                    for inst in &mut reg.instances {
                        if inst.ec2 == Ec2State::Stopped && inst.lifecycle == Lifecycle::None {
                            inst.ec2 = Ec2State::Pending(now.plus_secs(super::dynamics::BOOT_SECS));
                        }
                    }
                    let rollbacks: Vec<(String, String, String)> = reg
                        .services
                        .iter()
                        .filter_map(|s| {
                            let d = s.deployments.last()?;
                            if reg.task_defs[d.task_def].good {
                                return None;
                            }
                            let good = reg.task_defs.iter().rev().find(|t| t.good)?;
                            Some((s.cluster.clone(), s.name.clone(), good.name()))
                        })
                        .collect();
                    for (cluster, service, td) in rollbacks {
                        self.update_service(
                            name,
                            &ServiceUpdate {
                                cluster,
                                service,
                                desired: None,
                                task_definition: Some(td),
                                force_new_deployment: false,
                            },
                        )
                        .map_err(|e| e.to_string())?;
                    }
                }
                (0, "faults cleared".to_owned())
            }
        };
        self.emit(
            r,
            EventKind::Fault,
            Severity::Warn,
            "demo",
            format!("injected: {msg}"),
        );
        Ok(msg)
    }
}
